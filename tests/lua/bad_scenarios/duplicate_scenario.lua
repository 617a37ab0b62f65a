-- Two scenarios with one name.
local a = scenario { name = "shop", rps = 1, duration = "1s" }
a:task("t", function(self, http) http:get("/") end)
local b = scenario { name = "shop", rps = 2, duration = "1s" }
b:task("t", function(self, http) http:get("/") end)
