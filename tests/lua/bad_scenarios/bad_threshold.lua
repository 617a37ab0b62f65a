-- A latency threshold without a unit.
local flow = scenario {
  rps = 1,
  duration = "1s",
  thresholds = { "p95 < 200" },
}
flow:task("t", function(self, http) http:get("/") end)
