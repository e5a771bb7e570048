-- POST {TOKEN_PATH} grant_type=client_credentials, client_secret_basic
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local c = require("common")
wrk.method = "POST"
wrk.path = c.env("TOKEN_PATH", "/token")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = c.basic()
wrk.body = "grant_type=client_credentials&scope=" .. c.form_escape(c.env("SCOPE", "api:read"))
c.count()
