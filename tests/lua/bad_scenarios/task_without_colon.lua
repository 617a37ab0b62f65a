-- flow.task instead of flow:task.
local flow = scenario { rps = 1, duration = "1s" }
flow.task("t", function(self, http) http:get("/") end)
