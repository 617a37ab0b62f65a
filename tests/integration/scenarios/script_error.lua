local flow = scenario { name = "errors", rps = 10, vusers = 4, duration = "1s" }

flow:task("fine", function(self, http)
  http:get("/api/v1/projects")
end)

flow:task("broken", function(self, http)
  local t = nil
  return t.field -- indexing nil: a script error in this task, every time
end)
