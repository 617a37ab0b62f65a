local flow = scenario { think_time = { min = "2s", max = "1s" } }
flow:task("t", function(self, http) end)
