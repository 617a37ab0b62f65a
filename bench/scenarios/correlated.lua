-- A correlated flow: create an order, read it back by the id the create returned, delete it. Run
-- single-node (Lua executes every step) and with --agents 1 (the coordinator captures the flow once
-- per virtual user; the agent extracts the id natively and substitutes it, without Lua).
local orders = scenario { vusers = 50, duration = "10s" }

orders:task("order", function(self, http)
  local r = http:post("/orders", { expect = 201 })
  local id = r:json().id
  http:get("/orders/" .. id, { name = "GET /orders/{id}" })
  http:delete("/orders/" .. id, { expect = 204, name = "DELETE /orders/{id}" })
end)
