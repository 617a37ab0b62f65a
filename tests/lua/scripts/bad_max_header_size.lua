s = scenario { name = "h", rps = 1, duration = "1s", max_header_size = "12B" }
s:task("t", function(self, http) end)
