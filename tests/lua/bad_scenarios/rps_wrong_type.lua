-- rps must be a number.
local flow = scenario { rps = "fast", duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
