-- A threshold scoped to a task the scenario does not have.
local flow = scenario { rps = 1, duration = "1s", thresholds = { "brwse.p95 < 200ms" } }
flow:task("browse", function(self, http) http:get("/") end)
