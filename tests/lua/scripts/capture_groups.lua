-- Plan capture of group(): each request carries the group path it was made in.
local shop = scenario { name = "groups", vusers = 1, duration = "1s" }

shop:task("buy", function(self, http)
  http:get("/api/items")
  local n = group("checkout", function()
    http:get("/api/cart")
    group("payment", function()
      http:post("/api/pay", { body = "x" })
    end)
    return 3
  end)
  http:get("/api/cart")  -- the same request outside the group: a request of its own in the plan
  check("group returned its value", n == 3)
end)
