local flow = scenario { rps = 10, duration = "10s", ramp_up = "30s" }
flow:task("t", function(self, http) end)
