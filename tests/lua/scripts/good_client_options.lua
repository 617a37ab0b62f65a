local a = scenario { name = "mtls", rps = 5, duration = "1s", cert = "certs/client.pem", key = "certs/client.key",
                     max_header_size = "128KiB" }
a:task("t", function(self, http) end)
local b = scenario { name = "bytes", rps = 5, duration = "1s", cert = "/abs/both.pem", max_header_size = 2048 }
b:task("t", function(self, http) end)
local c = scenario { name = "plain", rps = 5, duration = "1s" }
c:task("t", function(self, http) end)
