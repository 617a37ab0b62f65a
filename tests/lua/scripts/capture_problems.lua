-- Tasks that cannot be replayed without Lua, and ones that replay with a caveat.
local flow = scenario { name = "problems", vusers = 2, duration = "1s" }
flow:task("feed", function(self, http)
  local r = http:get("/api/feed")
  local first = r:json()[1]
  http:get("/api/items/" .. first.id)
end)
flow:task("math", function(self, http)
  http:get("/api/items/" .. (lsengine.seq() + 1))
end)
flow:task("pick", function(self, http)
  if math.random() < 2 then http:get("/api/a") end
end)
flow:task("strict", function(self, http)
  local r = http:post("/api/things", { expect = 201 })
  check("created", r.status == 201)
  check("is 200", r.status == 200)
  check("ok", r.ok == false)
end)
