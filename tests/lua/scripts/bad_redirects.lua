scenario { name = "r", vusers = 1, redirects = 1.5 }:task("a", function(self, http) end)
