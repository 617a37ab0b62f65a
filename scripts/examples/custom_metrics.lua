-- custom_metrics.lua: measure what matters to the business, not only to HTTP, with metrics of your own (k6's
-- custom metrics): the value of each cart, the orders placed, the share of orders the shop accepted, and the
-- budget of the last order. Thresholds judge them like request metrics.
--
--   lsengine run scripts/examples/custom_metrics.lua --target http://127.0.0.1:8080               # single node
--   lsengine run scripts/examples/custom_metrics.lua --target http://127.0.0.1:8080 --agents 2    # distributed
--   lsengine run scripts/examples/custom_metrics.lua --target http://127.0.0.1:8080 --dry-run
--
-- Four kinds, declared once (here at the top of the file; declaring a name again returns the same metric):
--   trend   add(v): values with percentiles (v >= 0)       threshold: trend:cart_value.p95 < 30
--   counter add(v): a sum, and that per second             threshold: counter:orders_placed.count > 0
--   rate    add(b): the share of true samples              threshold: rate:order_accepted.rate > 95%
--   gauge   set(v): the value set last, with min and max   threshold: gauge:last_budget.max < 1000
-- The summary shows a "custom metrics" section; the JSON summary has "custom_metrics", the ndjson stream,
-- the HTML report and Prometheus show them too. Custom metrics have no unit: threshold values are plain numbers.
--
-- Distributed runs: agents run no Lua, so they replay add()/set() natively when the value is a constant or a
-- response value read as a number (tonumber(...), r.status, a JSON number). `order_accepted` below is fed the
-- result of a comparison (created.status == 201), which agents cannot evaluate: with --agents it is reported as
-- "not replayable on agents" (a warning at capture, a mark in every output), and a threshold on it would fail.
-- That is why this example puts no threshold on it; on one node it is measured like the others.

local cart_value = lsengine.metrics.trend("cart_value")
local orders = lsengine.metrics.counter("orders_placed")
local accepted = lsengine.metrics.rate("order_accepted")
local last_budget = lsengine.metrics.gauge("last_budget")

local shop = scenario {
  name = "shop_metrics",
  rps = 10,
  vusers = 10,
  duration = "30s",
  thresholds = {
    "trend:cart_value.p95 < 30",       -- the demo shop's most expensive product costs 24.50
    "counter:orders_placed.count > 0",
    "gauge:last_budget.max < 1000",
    "error_rate < 1%",
  },
}

function shop:on_start(http)
  local r = http:post("/auth/login", { json = { user = "user" .. self.id, pass = "secret" }, expect = 200 })
  self.auth = { Authorization = "Bearer " .. r:json().access_token }
end

shop:task("order", function(self, http)
  local products = http:get("/api/products", { headers = self.auth })
  -- The second product's price, from the response: agents extract it from each real response too.
  cart_value:add(tonumber(products:json()[2].price))

  local budget = 100 + self.id               -- a Lua value: fixed per virtual user, replayed as such
  local created = http:post("/api/v1/projects", {
    headers = self.auth,
    json = { name = "order-" .. lsengine.uuid(), budget = budget },
    expect = 201,
    name = "POST /api/v1/projects",
  })
  orders:add(1)
  last_budget:set(tonumber(created:json().budget))   -- the budget the shop echoed back
  accepted:add(created.status == 201)                -- not replayable on agents (a comparison on a response)
end)
