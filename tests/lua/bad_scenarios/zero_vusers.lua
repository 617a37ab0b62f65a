-- A closed model without virtual users.
local flow = scenario { vusers = 0, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
