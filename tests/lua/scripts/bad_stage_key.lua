local flow = scenario { stages = { { duration = "10s", rps = 5 }, { duration = "10s", rsp = 5 } } }
flow:task("t", function(self, http) end)
