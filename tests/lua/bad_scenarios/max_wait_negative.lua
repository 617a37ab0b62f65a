-- A negative wait makes no sense.
local s = scenario { rps = 10, duration = "10s", max_wait = -1 }
s:task("browse", function(self, http) http:get("/") end)
