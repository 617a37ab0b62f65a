-- login_browse.lua: an OPEN-model test. New task iterations arrive at a fixed rate (rps)
-- whether or not earlier ones have finished, like real users arriving at a web site.
--
-- Run it against the demo target (start one with: build/bin/lsengine-demo-target --port 8080):
--   lsengine run scripts/examples/login_browse.lua --target http://127.0.0.1:8080
-- Check it without load first (one request per task, every request printed):
--   lsengine run scripts/examples/login_browse.lua --target http://127.0.0.1:8080 --dry-run

local flow = scenario {
  name = "login_browse",
  rps = 50,            -- 50 task iterations start every second (open model)...
  vusers = 20,         -- ...spread over a pool of 20 logged-in virtual users
  duration = "1m",     -- the whole run, ramp included
  ramp_up = "10s",     -- the rate climbs linearly from 0 to 50/s during the first 10 seconds
  thresholds = {
    "p95 < 200ms",             -- 95% of all requests faster than 200 ms
    "error_rate < 1%",         -- fewer than 1% failed requests
    "browse.p99 < 500ms",      -- per-task threshold: the "browse" task's iterations
  },
}

-- on_start runs once per virtual user, before it runs any task. `self` is that virtual
-- user: a table you can keep per-user data in. self.id is 1..vusers, unique in the run.
function flow:on_start(http)
  local r = http:post("/auth/login", { json = { user = "user" .. self.id, pass = "secret" } })
  -- check() counts a pass or a failure under its name (a failed check does not stop the
  -- virtual user; a Lua error in on_start does: that virtual user then runs no tasks).
  check("login returns a token", r.status == 200 and r:json().access_token ~= nil)
  self.token = r:json().access_token
  self.auth = { Authorization = "Bearer " .. self.token }
end

-- Tasks are picked at random in proportion to their weight: browse runs 4x as often as detail.
flow:task("browse", { weight = 4 }, function(self, http)
  local r = http:get("/api/products", { headers = self.auth })
  local products = r:json()
  check("three products", #products == 3)
end)

flow:task("detail", { weight = 1 }, function(self, http)
  -- `name` groups requests in the report (otherwise the name is "METHOD /path").
  -- `query` builds the query string: /slow?ms=20
  local r = http:get("/slow", { query = { ms = 20 }, name = "slow endpoint" })
  check("slow answers", r.ok and r.body:find("slept") ~= nil)
  -- A 404 is expected here: `expect` lists the statuses that count as success.
  http:get("/api/v1/projects/999999", { expect = 404, headers = self.auth })
end)

-- on_stop runs once per virtual user after the test (nothing to clean up for a login).
function flow:on_stop(http) end
