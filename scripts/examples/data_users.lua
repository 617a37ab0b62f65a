-- data_users.lua: test data from a CSV file, the way Gatling's feeders and k6's SharedArray are used: every
-- iteration logs in as a different user of data/users.csv, then browses as that user.
--
--   lsengine run scripts/examples/data_users.lua --target http://127.0.0.1:8080               # single node
--   lsengine run scripts/examples/data_users.lua --target http://127.0.0.1:8080 --agents 2    # distributed
--   lsengine run scripts/examples/data_users.lua --target http://127.0.0.1:8080 --dry-run
--
-- The file is read once, at load, relative to this script; every worker thread reads the same rows (no copy
-- per virtual user). `mode` says which row next() hands out:
--   "sequential"  the next row at every call, across all threads, starting over after the last (the default)
--   "unique"      each row at most once in the whole run; then on_exhausted = "stop" (the iteration fails and
--                 no new one starts) or "wrap" (start over, with one warning)
--   "random"      a random row (give `seed` to draw the same rows every run)
--   "per_vu"      the row of the virtual user: (vu - 1) % rows, the same row every time
-- Distributed, each agent receives only its own slice of the rows (in proportion to its capacity), so no two
-- agents ever use the same row; agents draw rows natively, without Lua.

local users = lsengine.data.csv("data/users.csv", { mode = "sequential" })

local flow = scenario {
  name = "data_users",
  rps = 20,
  vusers = 10,
  duration = "30s",
  thresholds = { "error_rate < 1%" },
}

flow:task("login and browse", function(self, http)
  local user = users:next()           -- a read-only row: user.username, user.password (or user[1], user[2])
  local r = http:post("/auth/login", {
    json = { user = user.username, pass = user.password },
    name = "POST /auth/login",
    expect = 200,
  })
  local token = r:json().access_token  -- distributed: an extraction rule the agents apply per response
  http:get("/api/products", {
    headers = { Authorization = "Bearer " .. token, ["X-Plan"] = user.plan },
    name = "GET /api/products",
  })
end)
