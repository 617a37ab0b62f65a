local flow = scenario { name = "d", duration = true }
flow:task("t", function(self, http) end)
