-- Idle virtual users: each runs one empty iteration, then thinks for 10 minutes, so for the
-- whole measurement every virtual user exists (self table, coroutine, timers) but none sends
-- anything. --vusers sets how many.
local idle = scenario { vusers = 1000, duration = "1m", think_time = "10m" }

idle:task("nothing", function(self, http) end)
