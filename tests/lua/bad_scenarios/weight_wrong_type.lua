-- weight must be a number.
local flow = scenario { rps = 1, duration = "1s" }
flow:task("t", { weight = "heavy" }, function(self, http) http:get("/") end)
