-- a declaration error must not be swallowed by pcall
pcall(scenario, { rsp = 1 })
local flow = scenario { name = "ok" }
flow:task("t", function(self, http) end)
