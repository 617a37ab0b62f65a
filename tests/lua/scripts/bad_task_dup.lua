local flow = scenario {}
flow:task("browse", function(self, http) end)
flow:task("browse", function(self, http) end)
