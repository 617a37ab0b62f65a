-- An option nothing resembles: no suggestion, but the option is named.
local flow = scenario { rps = 1, duration = "1s", xyzzy = true }
flow:task("t", function(self, http) http:get("/") end)
