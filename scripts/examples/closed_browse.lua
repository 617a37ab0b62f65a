-- closed_browse.lua: a CLOSED-model test. A fixed number of virtual users loop over their
-- tasks: each one runs a task, "thinks" for a while, runs the next task, and so on. The
-- request rate therefore depends on how fast the server answers (unlike rps in the open model).
--
--   lsengine run scripts/examples/closed_browse.lua --target http://127.0.0.1:8080

local flow = scenario {
  name = "closed_browse",
  vusers = 25,                                 -- 25 users browse concurrently (no rps: closed model)
  duration = "1m",
  ramp_up = "15s",                             -- users start gradually over 15 seconds
  think_time = { min = "0.5s", max = "2s" },   -- pause between tasks, uniformly random in [0.5s, 2s]
  thresholds = { "p95 < 300ms", "error_rate < 1%" },
}

function flow:on_start(http)
  -- shared:once runs the function only for the first virtual user that gets here; all the
  -- others wait for its result. Here every user shares one token (fine for a demo).
  self.token = shared:once("token", function()
    local r = http:post("/auth/login", { json = { user = "shared-user", pass = "secret" } })
    return r:json().access_token
  end)
end

flow:task("products", { weight = 3 }, function(self, http)
  local r = http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
  check("products listed", r.status == 200 and #r:json() > 0)
end)

flow:task("home", function(self, http)
  local r = http:get("/")
  check("home says ok", r.body == "ok\n")
  sleep(0.1)   -- an extra pause inside a task: sleep yields, it never blocks other users
end)
