-- A duration beyond what int64 nanoseconds hold.
local flow = scenario { rps = 1, duration = "9999999999h" }
flow:task("t", function(self, http) http:get("/") end)
