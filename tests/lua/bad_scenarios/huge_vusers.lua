-- More virtual users than an integer holds.
local flow = scenario { vusers = 1e12, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
