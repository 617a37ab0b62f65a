local flow = scenario {
  name = "slow",
  rps = 10,
  vusers = 5,
  duration = "1s",
  thresholds = { "p95 < 1ms", "error_rate < 1%" },
}

flow:task("wait", function(self, http)
  http:get("/slow", { query = { ms = 30 } })
end)
