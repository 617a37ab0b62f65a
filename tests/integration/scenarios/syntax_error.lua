local flow = scenario { name = "x", rps = 1 }
flow:task("t", function(self, http)
  http:get("/" end)
