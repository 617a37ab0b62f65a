-- max_wait only bounds how long an open-model arrival waits for a free virtual user.
local s = scenario { vusers = 5, duration = "10s", max_wait = "2s" }
s:task("browse", function(self, http) http:get("/") end)
