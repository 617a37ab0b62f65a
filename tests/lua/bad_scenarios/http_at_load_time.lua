-- Requests cannot be made while the file loads (there is no http global).
local flow = scenario { rps = 1, duration = "1s" }
local token = http:post("/auth/login")
flow:task("t", function(self, http) http:get("/") end)
