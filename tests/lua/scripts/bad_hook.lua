local flow = scenario {}
flow:task("t", function(self, http) end)

function flow:on_strat(http)
end
