-- rps = 0 is not an open model (stages may pause at 0, rps may not).
local flow = scenario { rps = 0, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
