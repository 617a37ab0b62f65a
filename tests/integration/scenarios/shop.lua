-- Open model: every virtual user logs in once, then tasks use its token.
local flow = scenario {
  name = "shop",
  rps = 20,
  vusers = 5,
  duration = "2s",
}

function flow:on_start(http)
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = "secret" } })
  check("login ok", r.status == 200)
  self.token = r:json().access_token
end

flow:task("browse", { weight = 3 }, function(self, http)
  local r = http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
  check("products ok", r.status == 200)
end)

flow:task("projects", { weight = 1 }, function(self, http)
  http:get("/api/v1/projects")
end)
