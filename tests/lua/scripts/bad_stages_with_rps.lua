local flow = scenario { rps = 10, stages = { { duration = "10s", rps = 5 } } }
flow:task("t", function(self, http) end)
