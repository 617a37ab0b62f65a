-- A rate no machine can produce (and that overflows the scheduler's arithmetic).
local flow = scenario { rps = 1e300, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
