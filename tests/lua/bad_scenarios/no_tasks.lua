-- A scenario with nothing to do.
local flow = scenario { rps = 1, duration = "1s" }
