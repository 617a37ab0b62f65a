-- NaN is a number to Lua but no rate.
local flow = scenario { rps = 0/0, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
