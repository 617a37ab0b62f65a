-- A negative rate.
local flow = scenario { rps = -5, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
