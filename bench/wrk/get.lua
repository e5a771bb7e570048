-- GET {GET_PATH} (discovery, JWKS)
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local c = require("common")
wrk.method = "GET"
wrk.path = assert(c.env("GET_PATH", nil), "GET_PATH is required")
c.count()
