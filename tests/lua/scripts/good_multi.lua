-- Two scenarios: an open model with stages and a closed model with a think-time range.
local ramp = scenario {
  name = "ramp",
  vusers = 10,
  stages = { { duration = "30s", rps = 10 }, { duration = "1m30s", rps = 50 }, { duration = 10, rps = 0 } },
}
ramp:task("a", function(self, http) end)
function ramp:setup(http) return 1 end
function ramp:teardown(http) end

local users = scenario { name = "users", vusers = 5, duration = "1m", think_time = { min = "0.5s", max = "2s" } }
users:task("b", { weight = 0.5 }, function(self, http) end)
  :task("c", function(self, http) end)
