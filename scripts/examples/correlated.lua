-- correlated.lua: flows where a request carries a value taken from an earlier response of the same
-- iteration (correlation): create an order and use the id the server returned, post a form with the
-- CSRF token of the page just read, follow a redirect by hand.
--
--   lsengine run scripts/examples/correlated.lua --target http://127.0.0.1:8080               # single node
--   lsengine run scripts/examples/correlated.lua --target http://127.0.0.1:8080 --agents 2    # distributed
--   lsengine run scripts/examples/correlated.lua --target http://127.0.0.1:8080 --agents 1 --dry-run
--
-- The same script runs both ways. On one node Lua sees the real responses. Distributed, the
-- coordinator captures each task once and agents replay it without Lua: `r:json().id`,
-- `r.headers["location"]` and `r.body:match(...)` become extraction rules that the agents apply to
-- every response natively (--dry-run prints them: "id ← step 1 json $.id"). What the agents can
-- replay: concatenation, tostring/tonumber, one :match(pattern), and the value used in a path, a header
-- or a json=/form=/query= field. What they cannot: branching on a value (`if r.status == 201`),
-- arithmetic, loops over response arrays; capture reports those by task and line.

local flow = scenario {
  name = "correlated",
  rps = 30,
  vusers = 10,
  duration = "30s",
  -- Every follow-up must hit a value its own iteration received: a wrong id is a 404 and fails this.
  thresholds = { "error_rate < 1%" },
}

-- Create an order, then read, update and delete exactly that order.
-- on_extract_error: what an agent does when a response lacks the value (here: no "id" in the JSON).
-- "skip" (the default) sends none of the later requests of that iteration; "empty" sends them with
-- an empty value. Either way the create counts as a failed request of kind "extract".
flow:task("order lifecycle", { weight = 3, on_extract_error = "skip" }, function(self, http)
  local r = http:post("/api/v1/orders", { json = { sku = "A-" .. lsengine.seq() }, expect = 201 })
  local id = r:json().id                      -- a response value: the server's random order id

  -- `name` groups every id under one report line.
  http:get("/api/v1/orders/" .. id, { name = "GET /api/v1/orders/{id}" })
  -- A value inside json= keeps its JSON type (the id stays a number).
  http:put("/api/v1/orders/" .. id, { json = { id = id, qty = 2 }, name = "PUT /api/v1/orders/{id}" })
  http:delete("/api/v1/orders/" .. id, { expect = 204, name = "DELETE /api/v1/orders/{id}" })
end)

-- A CSRF-protected form: the page sets a session cookie and embeds a token bound to that session.
flow:task("form", function(self, http)
  local page = http:get("/form")              -- Set-Cookie: session=... goes into this user's cookie jar
  local token = page.body:match('name="csrf" value="([%w%-]+)"')
  -- The Cookie header comes from the jar; the token from the page read just before.
  http:post("/form", { form = { csrf = token, text = "hello" } })
end)

-- A 303 redirect followed by hand: the Location header is the next request's URL. Relative
-- ("/landing/123") and absolute same-origin ("http://host:port/landing/456") locations both work.
flow:task("redirect", function(self, http)
  local r = http:post("/login-redirect", { expect = 303, redirects = 0 })
  http:get(r.headers["location"], { name = "GET /landing/{id}" })

  local a = http:post("/login-redirect", {
    query = { absolute = 1 }, expect = 303, redirects = 0, name = "POST /login-redirect (absolute)",
  })
  http:get(a.headers.location, { name = "GET /landing/{id}" })
end)
