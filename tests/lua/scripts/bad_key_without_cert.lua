s = scenario { name = "k", rps = 1, duration = "1s", key = "client.key" }
s:task("t", function(self, http) end)
