local flow = scenario { name = "checks", rps = 5, vusers = 2, duration = "1s" }
flow:task("t", function(self, http)
  local r = http:get("/status/404", { expect = 404 })
  check("status is 200", r.status == 200)
end)
