-- A scenario name with bytes that are not UTF-8, quoted in the message about a typo.
local flow = scenario { name = "caféÿ", rps = 1, durration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
