-- POST {TOKEN_PATH} grant_type=token-exchange (RFC 8693) with SUBJECT_TOKEN
-- (an access token) for AUDIENCE, client_secret_basic
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local c = require("common")
wrk.method = "POST"
wrk.path = c.env("TOKEN_PATH", "/token")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = c.basic()
wrk.body = "grant_type=" .. c.form_escape("urn:ietf:params:oauth:grant-type:token-exchange")
  .. "&subject_token=" .. c.form_escape(assert(c.env("SUBJECT_TOKEN", nil), "SUBJECT_TOKEN is required"))
  .. "&subject_token_type=" .. c.form_escape("urn:ietf:params:oauth:token-type:access_token")
  .. "&audience=" .. c.form_escape(c.env("AUDIENCE", "https://api.example"))
c.count()
