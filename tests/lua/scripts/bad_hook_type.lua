local flow = scenario {}
flow:task("t", function(self, http) end)
flow.on_stop = "later"
