-- POST {INTROSPECT_PATH} token={TOKEN}, client_secret_basic
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local c = require("common")
wrk.method = "POST"
wrk.path = c.env("INTROSPECT_PATH", "/introspect")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = c.basic()
wrk.body = "token=" .. c.form_escape(assert(c.env("TOKEN", nil), "TOKEN is required"))
  .. "&token_type_hint=access_token"
c.count()
