local flow = scenario { thresholds = "p95 < 200ms" }
flow:task("t", function(self, http) end)
