local flow = scenario {
  name = "checkout",
  durration = "2m",
}
flow:task("t", function(self, http) end)
