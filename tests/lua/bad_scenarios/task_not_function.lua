-- The task body must be a function.
local flow = scenario { rps = 1, duration = "1s" }
flow:task("t", "GET /")
