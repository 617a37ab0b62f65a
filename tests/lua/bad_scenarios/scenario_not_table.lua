-- scenario takes a table of options.
local flow = scenario("shop")
flow:task("t", function(self, http) http:get("/") end)
