-- ramp_up must fit in duration.
local flow = scenario { rps = 1, duration = "1s", ramp_up = "5s" }
flow:task("t", function(self, http) http:get("/") end)
