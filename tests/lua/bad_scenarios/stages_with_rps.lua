-- stages replace rps/duration: both together are contradictory.
local flow = scenario { rps = 1, stages = { { duration = "1s", rps = 2 } } }
flow:task("t", function(self, http) http:get("/") end)
