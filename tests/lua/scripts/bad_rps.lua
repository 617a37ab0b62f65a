
local flow = scenario { rps = -5 }
flow:task("t", function(self, http) end)
