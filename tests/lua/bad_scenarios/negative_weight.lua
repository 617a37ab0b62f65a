-- A negative weight.
local flow = scenario { rps = 1, duration = "1s" }
flow:task("t", { weight = -2 }, function(self, http) http:get("/") end)
