local flow = scenario {}
flow:task("browse", { weight = 0 }, function(self, http) end)
