-- thresholds must be a list.
local flow = scenario { rps = 1, duration = "1s", thresholds = "p95 < 200ms" }
flow:task("t", function(self, http) http:get("/") end)
