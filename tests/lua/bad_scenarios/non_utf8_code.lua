-- Bytes that are not UTF-8 in code: LuaJIT reads them as a (nil) global, quoted raw in the error.
local flow = scenario { rps = 1, duration = "1s" }
flow:task("t", function(self, http) http:get("/") end)
local label = "café " .. ÿþ
