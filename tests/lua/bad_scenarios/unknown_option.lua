-- A typo in an option name gets a suggestion.
local flow = scenario {
  rps = 1,
  durration = "1s",
}
flow:task("t", function(self, http) http:get("/") end)
