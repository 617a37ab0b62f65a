local flow = scenario { name = "d", duration = "2x" }
flow:task("t", function(self, http) end)
