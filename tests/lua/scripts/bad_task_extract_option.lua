local flow = scenario {}
flow:task("browse", { on_extract_eror = "skip" }, function(self, http) end)
