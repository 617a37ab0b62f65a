-- Latency accuracy: /slow50 answers after echo_sleep 0.05 (50 ms). Whatever lsengine reports
-- above 50 ms is its own overhead plus nginx's timer granularity.
local slow = scenario { rps = 200, vusers = 50, duration = "10s" }

slow:task("slow", function(self, http)
  http:get("/slow50")
end)
