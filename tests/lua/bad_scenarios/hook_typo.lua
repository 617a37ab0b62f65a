-- A misspelt hook would never run.
local flow = scenario { rps = 1, duration = "1s" }
function flow:on_strat(http) end
flow:task("t", function(self, http) http:get("/") end)
