s = scenario { name = "c", rps = 1, duration = "1s", cert = true }
s:task("t", function(self, http) end)
