-- A numeric string is ambiguous (seconds? milliseconds?).
local flow = scenario { rps = 1, duration = "30" }
flow:task("t", function(self, http) http:get("/") end)
