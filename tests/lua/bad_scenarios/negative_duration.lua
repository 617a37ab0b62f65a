-- A negative number of seconds.
local flow = scenario { rps = 1, duration = -1 }
flow:task("t", function(self, http) http:get("/") end)
