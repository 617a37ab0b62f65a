local a = scenario { name = "alpha", rps = 5, vusers = 2, duration = "1s" }
a:task("a", function(self, http) http:get("/status/201") end)

local b = scenario { name = "beta", rps = 5, vusers = 2, duration = "1s" }
b:task("b", function(self, http) http:get("/status/202") end)
