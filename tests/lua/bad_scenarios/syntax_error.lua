-- A missing 'end' is a syntax error reported with the line Lua stopped at.
local flow = scenario { rps = 1, duration = "1s" }
flow:task("t", function(self, http)
  http:get("/")
