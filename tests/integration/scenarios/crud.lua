-- Closed model: each virtual user owns a project for the whole run.
local flow = scenario {
  name = "crud",
  vusers = 3,
  duration = "30s",
  think_time = "50ms",
}

function flow:on_start(http)
  local r = http:post("/api/v1/projects", { json = { name = "vu-" .. self.id } })
  self.project = r:json().id
end

flow:task("read", function(self, http)
  local r = http:get("/api/v1/projects/" .. self.project, { name = "GET /api/v1/projects/{id}" })
  check("found", r.status == 200)
end)

function flow:on_stop(http)
  http:delete("/api/v1/projects/" .. self.project, { name = "DELETE /api/v1/projects/{id}" })
end
