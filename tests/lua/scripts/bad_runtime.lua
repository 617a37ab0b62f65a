local flow = scenario {}
local t = nil
print(t.field)
