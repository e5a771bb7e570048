-- Shared by the scenario scripts: the target comes from the environment
-- (CLIENT_ID, CLIENT_SECRET, SCOPE, TOKEN_PATH, INTROSPECT_PATH, TOKEN,
-- DISCOVERY_PATH, JWKS_PATH, EXPECT = a Lua pattern every 2xx body must match).
-- done() prints one line `RESULT {json}` for bench/run.
local M = {}

function M.env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  return v
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(s)
  return ((s:gsub(".", function(c)
    local bits, byte = "", c:byte()
    for i = 8, 1, -1 do bits = bits .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return bits
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local n = 0
    for i = 1, 6 do n = n + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return alphabet:sub(n + 1, n + 1)
  end) .. ({ "", "==", "=" })[#s % 3 + 1])
end

function M.form_escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

-- client_secret_basic (RFC 6749 §2.3.1: both parts form-encoded first)
function M.basic()
  local id, secret = M.env("CLIENT_ID", "bench-cc"), M.env("CLIENT_SECRET", "")
  return "Basic " .. b64(M.form_escape(id) .. ":" .. M.form_escape(secret))
end

-- Count answers that are not 2xx, or 2xx without the expected body.
function M.count()
  local threads = {}
  local expect = M.env("EXPECT", nil)
  _G.setup = function(t) threads[#threads + 1] = t end
  _G.bad_status, _G.bad_body = 0, 0
  _G.response = function(status, _, body)
    if status < 200 or status > 299 then
      bad_status = bad_status + 1
    elseif expect and not body:find(expect) then
      bad_body = bad_body + 1
    end
  end
  _G.done = function(s, lat)
    local st, bb = 0, 0
    for _, t in ipairs(threads) do
      st = st + (t:get("bad_status") or 0)
      bb = bb + (t:get("bad_body") or 0)
    end
    local e = s.errors
    io.write(string.format(
      'RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
      '"bad_status":%d,"bad_body":%d,"socket_errors":%d}\n',
      s.requests, s.duration / 1e6, s.requests / (s.duration / 1e6),
      lat:percentile(50) / 1000, lat:percentile(99) / 1000,
      st, bb, e.connect + e.read + e.write + e.timeout))
  end
end

return M
