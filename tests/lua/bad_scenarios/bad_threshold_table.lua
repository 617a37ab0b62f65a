-- The table form of a threshold with a typo in its key.
local flow = scenario {
  rps = 1,
  duration = "1s",
  thresholds = { { "p95 < 200ms", abort_on_fial = true } },
}
flow:task("t", function(self, http) http:get("/") end)
