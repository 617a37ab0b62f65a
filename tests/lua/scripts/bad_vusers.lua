local flow = scenario { vusers = 2.5 }
flow:task("t", function(self, http) end)
