-- Indexing nil at the top level fails while the file loads.
local flow = scenario { rps = 1, duration = "1s" }
local config = nil
flow:task("t", function(self, http) http:get(config.path) end)
local path = config.path
