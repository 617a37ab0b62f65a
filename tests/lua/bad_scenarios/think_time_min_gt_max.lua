-- A think-time range upside down.
local flow = scenario { vusers = 1, duration = "1s", think_time = { min = "2s", max = "1s" } }
flow:task("t", function(self, http) http:get("/") end)
