local flow = scenario {}
flow:task("t", function(self, http)
  local x = = 1
end)
