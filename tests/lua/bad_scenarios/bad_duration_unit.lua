-- An unknown unit.
local flow = scenario { rps = 1, duration = "10 sec" }
flow:task("t", function(self, http) http:get("/") end)
