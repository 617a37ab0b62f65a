-- Rate accuracy: the same request as throughput.lua, in the open model. The CLI sets --rps,
-- --vusers and --duration; nginx's access log is the judge of what arrived.
local paced = scenario { rps = 100, vusers = 100, duration = "10s" }

function paced:on_start(http)
  self.auth = "Bearer " .. http:post("/auth/login"):json().access_token
end

paced:task("item", function(self, http)
  http:get("/api/item", { headers = { Authorization = self.auth } })
end)
