-- vusers must be an integer.
local flow = scenario { vusers = 2.5, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
