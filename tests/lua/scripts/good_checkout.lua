-- Happy path: one open-model scenario with every kind of option, hooks and weighted tasks.
local flow = scenario {
  name = "checkout",
  rps = 100,
  vusers = 50,
  duration = "2m",
  ramp_up = 20,
  thresholds = { "p95 < 200ms", "error_rate < 1%" }, redirects = 0,
}

function flow:on_start(http)
  self.token = "t"
end

flow:task("browse", { weight = 4 }, function(self, http) end)
flow:task("buy", { on_extract_error = "empty" }, function(self, http) end)

function flow:on_stop(http) end

-- plain data on the object is allowed
flow.base = "/api"

-- a helper method (not close to any hook name) is allowed: self:login(http)
function flow:login(http) end
