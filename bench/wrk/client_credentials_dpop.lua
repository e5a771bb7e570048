-- POST {TOKEN_PATH} grant_type=client_credentials, client_secret_basic, with
-- a fresh DPoP proof per request: one line of {DPOP_PROOFS} each (made by
-- bench/dpop_proofs.mjs); each of the {THREADS} threads takes its own lines.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local c = require("common")
c.count()

local path = c.env("TOKEN_PATH", "/token")
local body = "grant_type=client_credentials&scope=" .. c.form_escape(c.env("SCOPE", "api:read"))
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Authorization"] = c.basic(),
}

local counted_setup = setup
local next_id = 0
function setup(thread)
  counted_setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local proofs, used = {}, 0
function init()
  local n, i = tonumber(c.env("THREADS", "2")), 0
  for line in io.lines(c.env("DPOP_PROOFS", "proofs.txt")) do
    if i % n == id then proofs[#proofs + 1] = line end
    i = i + 1
  end
end

function request()
  used = used + 1
  -- Past the last proof the first ones come back: replays, counted as errors.
  headers["DPoP"] = proofs[(used - 1) % #proofs + 1]
  return wrk.format("POST", path, headers, body)
end
