local flow = scenario { think_time = "1s" }
flow:task("only", function(self, http) end)
