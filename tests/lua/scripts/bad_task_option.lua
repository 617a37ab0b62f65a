local flow = scenario {}
flow:task("browse", { wieght = 2 }, function(self, http) end)
