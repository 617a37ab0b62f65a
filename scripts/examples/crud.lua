-- crud.lua: create / read / update / delete against /api/v1/projects, showing every lifecycle
-- phase of a scenario:
--   setup     once for the whole run, before any virtual user starts (self.id == 0)
--   on_start  once per virtual user
--   tasks     the load itself
--   on_stop   once per virtual user after the load
--   teardown  once for the whole run, at the very end (self.id == 0)
--
--   lsengine run scripts/examples/crud.lua --target http://127.0.0.1:8080

local flow = scenario {
  name = "crud",
  rps = 20,
  vusers = 10,
  duration = "30s",
  thresholds = { "error_rate < 1%", "read.p95 < 100ms" },
}

-- setup: create ONE project that every virtual user reads. Values put into `shared` are
-- copied into a run-wide store that every virtual user (on every worker thread) can read.
function flow:setup(http)
  local r = http:post("/api/v1/projects", { json = { name = "shared project" }, expect = 201 })
  shared.project_id = r:json().id
end

-- on_start: every virtual user creates a project of its own and remembers its id on `self`.
function flow:on_start(http)
  local r = http:post("/api/v1/projects", {
    json = { name = "project of user " .. self.id, owner = self.id },
    expect = 201,                                 -- 201 Created is the only acceptable answer
  })
  self.project_id = r:json().id
  shared:incr("projects_created")               -- atomic counter across all virtual users
end

flow:task("read", { weight = 3 }, function(self, http)
  -- Read the shared project; `name` keeps all ids under one report line.
  local r = http:get("/api/v1/projects/" .. shared.project_id, { name = "GET /api/v1/projects/{id}" })
  check("shared project is readable", r:json().name == "shared project")
end)

flow:task("update", { weight = 1 }, function(self, http)
  local path = "/api/v1/projects/" .. self.project_id
  local renamed = "renamed " .. lsengine.seq()  -- lsengine.seq(): 1, 2, 3, ... across the run
  http:patch(path, { json = { name = renamed }, name = "PATCH /api/v1/projects/{id}" })
  local r = http:get(path, { name = "GET /api/v1/projects/{id}" })
  check("update is visible", r:json().name == renamed)
end)

-- on_stop: each virtual user deletes the project it created (204 No Content).
function flow:on_stop(http)
  http:delete("/api/v1/projects/" .. self.project_id, { expect = 204, name = "DELETE /api/v1/projects/{id}" })
end

-- teardown: delete the shared project once everybody is done.
function flow:teardown(http)
  http:delete("/api/v1/projects/" .. shared.project_id, { expect = 204 })
end
