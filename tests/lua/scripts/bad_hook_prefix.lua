local flow = scenario {}
flow:task("t", function(self, http) end)
function flow:on_error(http) end
