-- An empty scenario name.
local flow = scenario { name = "", rps = 1, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
