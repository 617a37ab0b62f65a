local flow = scenario { name = 5 }
flow:task("t", function(self, http) end)
