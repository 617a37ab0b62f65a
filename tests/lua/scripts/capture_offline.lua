-- Plan capture without a server: no on_start, tasks are captured, never sent.
local flow = scenario { name = "offline", vusers = 2, duration = "1s" }
flow:task("order", { weight = 2 }, function(self, http)
  http:post("/api/orders/" .. lsengine.seq(), {
    json = { n = lsengine.random(1, 100), ref = "r-" .. lsengine.uuid(), vu = lsengine.vuser() },
    query = { q = lsengine.seq() },
    headers = { ["X-Request-Id"] = lsengine.uuid() },
    expect = { 201, 409 },
  })
  sleep("250ms")
  local r = http:get("/api/items", { name = "items" })
  check("items ok", r.ok and r.status == 200)
end)
flow:task("noop", function(self, http) end)
