-- A threshold on a metric that does not exist.
local flow = scenario { rps = 1, duration = "1s", thresholds = { "p95 < 200ms", "eror_rate < 1%" } }
flow:task("t", function(self, http) http:get("/") end)
