-- A hook must be a function.
local flow = scenario { rps = 1, duration = "1s" }
flow.on_start = "login"
flow:task("t", function(self, http) http:get("/") end)
