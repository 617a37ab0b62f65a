-- Throughput: every virtual user logs in once (its own bearer token, from nginx's $request_id)
-- and then requests /api/item with it as fast as the server answers (closed model, no think
-- time). The CLI sets --vusers and --duration, so lsbench.py can give every tool the same
-- connections and duration.
local item = scenario { vusers = 50, duration = "10s" }

function item:on_start(http)
  local r = http:post("/auth/login")
  self.auth = "Bearer " .. r:json().access_token
end

item:task("item", function(self, http)
  local r = http:get("/api/item", { headers = { Authorization = self.auth } })
  check("status 200", r.status == 200)
end)
