-- Two tasks with one name.
local flow = scenario { rps = 1, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
flow:task("t", function(self, http) http:get("/other") end)
