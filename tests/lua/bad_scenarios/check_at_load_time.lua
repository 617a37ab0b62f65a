-- check() belongs to a running virtual user.
local flow = scenario { rps = 1, duration = "1s" }
check("configured", true)
flow:task("t", function(self, http) http:get("/") end)
