local a = scenario { name = "x" }
a:task("t", function(self, http) end)
local b = scenario { name = "x" }
b:task("t", function(self, http) end)
