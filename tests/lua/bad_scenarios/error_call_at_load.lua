-- An explicit error() at the top level.
local flow = scenario { rps = 1, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
error("BASE_URL is not set")
