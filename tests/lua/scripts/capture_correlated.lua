-- Correlated flows: response values of one request used by later requests of the same iteration.
local flow = scenario { name = "correlated", vusers = 2, duration = "1s" }
local tonumber = tonumber  -- the file-level copy must still read response values (and plain text as usual)
flow:task("crud", { on_extract_error = "empty" }, function(self, http)
  local r = http:post("/api/v1/orders", { json = { sku = "A-" .. lsengine.seq() }, expect = 201 })
  check("created", r.status == 201)
  local id = r:json().id
  http:get("/api/v1/orders/" .. id, { name = "GET /api/v1/orders/{id}" })
  http:put("/api/v1/orders/" .. id, { json = { id = id, qty = tonumber("2"), ref = "o-" .. id }, name = "PUT /api/v1/orders/{id}" })
  http:delete("/api/v1/orders/" .. id, { expect = 204 })
end)
flow:task("form", function(self, http)
  local page = http:get("/form")
  local token = page.body:match('name="csrf" value="([%w%-]+)"')
  http:post("/form", { form = { csrf = token, text = "hi there" } })
end)
flow:task("redirect", function(self, http)
  local r = http:post("/login-redirect", { expect = 303, redirects = 0 })
  http:get(r.headers["location"], { name = "GET /landing/{id}" })
end)
flow:task("mixed", function(self, http)
  local r = http:get("/api/items")
  sleep(0.1)
  local item = r:json().items[1]
  local price = tonumber(item["unit-price"])
  http:post("/api/cart", {
    json = { code = r.status, price = price, sku = item.sku, text = tostring(item.sku) },
    query = { q = "a b" .. item.sku, sku = item.sku },
    headers = { ["X-Etag"] = r.headers.etag, ["X-Sku"] = item.sku },
  })
  http:get("/api/items/" .. item.sku)
end)
