-- Plan capture of lsengine.metrics: add()/set() in a task become metric steps; a comparison's result cannot be
-- replayed, so its metric is marked.
local orders = lsengine.metrics.counter("orders")
local price = lsengine.metrics.trend("price")
local ok = lsengine.metrics.rate("ok")
local depth = lsengine.metrics.gauge("depth")
lsengine.metrics.trend("unused")

local shop = scenario { name = "metrics", vusers = 2, duration = "1s" }

shop:task("buy", function(self, http)
  local r = http:get("/api/items")
  orders:add(1)
  price:add(tonumber(r:json().items[1].price))
  depth:set(r:json().depth)  -- a JSON value: a number in Lua when the response holds one
  ok:add(r.status == 200)    -- a comparison against the stand-in: not replayable
  sleep(0.01)
  orders:add(self.id)        -- a Lua number: the value seen for this virtual user
end)
