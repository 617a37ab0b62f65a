-- exercises shared, json and lsengine.* at file level
local flow = scenario {}
flow:task("t", function(self, http) end)
shared.loaded = (shared.loaded or 0) + 1
seq_first = lsengine.seq()
seq_second = lsengine.seq()
vu_at_load = lsengine.vuser()
encoded = json.encode({ a = 1, list = { 1, 2, json.null } })
