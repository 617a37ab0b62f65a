local flow = scenario {}
flow:task("browse", { on_extract_error = "emtpy" }, function(self, http) end)
