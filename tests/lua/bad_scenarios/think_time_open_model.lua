-- think_time belongs to the closed model.
local flow = scenario { rps = 1, duration = "1s", think_time = "1s" }
flow:task("t", function(self, http) http:get("/") end)
