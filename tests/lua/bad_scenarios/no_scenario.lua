-- A file that declares nothing.
local x = 1
