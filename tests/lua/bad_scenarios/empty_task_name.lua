-- Task names must not be empty.
local flow = scenario { rps = 1, duration = "1s" }
flow:task("", function(self, http) http:get("/") end)
