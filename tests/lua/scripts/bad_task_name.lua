local flow = scenario {}
flow:task("", function(self, http) end)
