local a = scenario { rps = 1 }
a:task("t", function(self, http) end)
local b = scenario { rps = 2 }
b:task("t", function(self, http) end)
