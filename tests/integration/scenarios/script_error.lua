-- 3 s at 10 it/s: the broken task runs well over the 4 failed iterations (one per virtual user) that make
-- the run call the script broken (exit 4); in 1 s a random pick gave it 2 now and then (exit 7 then).
local flow = scenario { name = "errors", rps = 10, vusers = 4, duration = "3s" }

flow:task("fine", function(self, http)
  http:get("/api/v1/projects")
end)

flow:task("broken", function(self, http)
  local t = nil
  return t.field -- indexing nil: a script error in this task, every time
end)
