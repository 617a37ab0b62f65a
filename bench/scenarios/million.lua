-- A million virtual users (issue 16 item 5; bench/lsbench.py --only million): every virtual user logs in
-- once in on_start (a real POST to the demo target, which issues a distinct token per user), and its tasks
-- send that token. The coordinator captures all of them; the agents replay their slices without Lua.
-- --vusers, --rps and --duration come from the command line.
local million = scenario { name = "million", rps = 1000, vusers = 1000, duration = "10s" }

function million:on_start(http)
  local r = http:post("/auth/login", { json = { user = "user" .. self.id, pass = "secret" } })
  self.auth = { Authorization = "Bearer " .. r:json().access_token }
end

million:task("browse", { weight = 4 }, function(self, http)
  http:get("/api/products", { headers = self.auth })
end)

million:task("detail", { weight = 1 }, function(self, http)
  http:get("/api/v1/projects/1", { headers = self.auth, expect = { 200, 404 } })
end)
