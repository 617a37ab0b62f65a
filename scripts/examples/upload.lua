-- upload.lua: file uploads (multipart/form-data), the way k6's http.file and requests' files= are used: every
-- iteration uploads a profile picture with a caption, and checks what the server parsed.
--
--   lsengine run scripts/examples/upload.lua --target http://127.0.0.1:8080               # single node
--   lsengine run scripts/examples/upload.lua --target http://127.0.0.1:8080 --agents 2    # distributed
--
-- `files` takes fields: a string (or number) is a plain form field, a table a file part:
--   { path = "...", content_type = "...", filename = "..." }   a file, relative to this script
--   { content = "...", filename = "...", content_type = "..." } bytes given inline
-- The file is read once per process, the first time a request uses it; every virtual user sends the same copy
-- from memory. Distributed, the plan carries the multipart bytes: agents need no copy of the file.
-- The demo target's POST /upload parses the body and answers with each part's name, filename, type and size.

local uploads = scenario {
  name = "upload",
  rps = 10,
  vusers = 5,
  duration = "30s",
  thresholds = { "error_rate < 1%" },
}

uploads:task("upload a picture", function(self, http)
  local r = http:post("/upload", {
    name = "POST /upload",
    expect = 200,
    files = {
      avatar = { path = "data/avatar.png", content_type = "image/png" },   -- filename defaults to "avatar.png"
      caption = "profile picture of virtual user " .. lsengine.vuser(),
      meta = { content = '{"public":true}', filename = "meta.json", content_type = "application/json" },
    },
  })
  -- The answer lists the parts in field-name order: avatar, caption, meta. (Distributed, agents do not evaluate
  -- check(): they enforce `expect`, and the plan capture compares nothing.)
  local avatar = r:json().parts[1]
  check("the picture arrived whole", avatar.filename == "avatar.png" and avatar.content_type == "image/png")
end)
