-- declares a scenario but forgets its tasks
local flow = scenario { name = "empty" }
