local flow = scenario {
  name = "typo",
  durration = "10s",
}
flow:task("t", function(self, http) http:get("/") end)
