local flow = scenario {}
flow:task("browse", { weight = 1 })
