local flow = scenario { rps = 10, think_time = "1s" }
flow:task("t", function(self, http) end)
