-- A typo inside a stage.
local flow = scenario {
  stages = {
    { duration = "1s", rps = 2 },
    { duration = "1s", rsp = 4 },
  },
}
flow:task("t", function(self, http) http:get("/") end)
