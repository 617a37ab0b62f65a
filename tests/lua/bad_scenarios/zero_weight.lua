-- Weights must be > 0.
local flow = scenario { rps = 1, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
flow:task("never", { weight = 0 }, function(self, http) http:get("/") end)
