-- groups.lua: name the steps of a user journey with group(), as k6's group() and Gatling's group do, and put
-- thresholds on a whole step ("the checkout takes under half a second at p95") instead of on single requests.
--
--   lsengine run scripts/examples/groups.lua --target http://127.0.0.1:8080               # single node
--   lsengine run scripts/examples/groups.lua --target http://127.0.0.1:8080 --agents 2    # distributed
--   lsengine run scripts/examples/groups.lua --target http://127.0.0.1:8080 --dry-run
--
-- group(name, fn) runs fn at once and returns what fn returns. Every request made inside it (in fn, or in a
-- function fn calls) is counted in a row of its own, labelled with the group: the summary shows
-- "checkout > GET /api/v1/projects", the JSON summary and the ndjson stream give the row a "group" field, the
-- HTML report and Prometheus (a `group` label) the same. Groups nest: the inner group below is
-- "checkout::payment". Each group also gets a row of its own, its requests and those of its nested groups;
-- that row is what a `group:NAME.metric` threshold measures.
--
-- An error inside a group ends the group and goes on as if there were no group (pcall(group, ...) catches it).
-- Group names come from the script, not from data: a scenario has at most 100 different groups.

local flow = scenario {
  name = "shop_groups",
  rps = 10,
  vusers = 10,
  duration = "30s",
  thresholds = {
    "group:browse.p95 < 200ms",             -- the browsing step, both of its requests
    "group:checkout.p95 < 500ms",           -- the checkout, its nested payment group included
    "group:checkout::payment.error_rate < 1%",
    "error_rate < 1%",
  },
}

function flow:on_start(http)
  local r = http:post("/auth/login", { json = { user = "user" .. self.id, pass = "secret" }, expect = 200 })
  self.auth = { Authorization = "Bearer " .. r:json().access_token }
end

flow:task("shop", function(self, http)
  group("browse", function()
    http:get("/api/products", { headers = self.auth })
    http:get("/api/v1/projects", { headers = self.auth })
  end)
  sleep("100ms")                           -- think time, outside every group

  local project = group("checkout", function()
    local created = http:post("/api/v1/projects", {
      headers = self.auth,
      json = { name = "order-" .. lsengine.uuid() },
      expect = 201,
      name = "POST /api/v1/projects",
    })
    group("payment", function()            -- "checkout::payment"
      http:get("/slow", { query = { ms = 20 }, name = "GET /slow" })
    end)
    return created:json().id               -- group() hands back what its function returns
  end)

  http:delete("/api/v1/projects/" .. project, { headers = self.auth, expect = 204, name = "DELETE /api/v1/projects/{id}" })
end)
