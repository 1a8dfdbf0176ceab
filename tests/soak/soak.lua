-- soak.lua -- the wrk script of tests/soak: sends a mix of tokens and judges every answer.
--   wrk ... -s soak.lua URL -- REQUESTS_FILE MARGIN_SECONDS
-- REQUESTS_FILE holds one request per line: "PATH<TAB>TOKEN" (no token: no Authorization).
-- Each PATH is /LOCATION/CLASS/T/ok.txt. The server echoes the request URI back in X-Case
-- (`Header always set X-Case "expr=%{REQUEST_URI}"`), so the answer can be judged although
-- wrk does not tell response() which request it answers.
-- What each CLASS must get (T: a Unix time, used by the time-dependent classes):
--   valid 200 | forbidden 403 | down 503 (the documented "no usable JWKS keys" case)
--   expired tampered randkid garbage notoken wrongalg 401
--   ends    200 until T - MARGIN, 401 from T + MARGIN (a key removed, a token expiring)
--   starts  401 until T - MARGIN, 200 from T + MARGIN (a key published, nbf reached)
-- Between T - MARGIN and T + MARGIN either of the two is right. Anything else, and any
-- answer without X-Case, is a wrong decision. done() prints one line per (case, status):
--   SOAK-COUNT <location/class> <status> <n> <wrong n>
-- and SOAK-ERRORS with wrk's socket error counts.

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

local reqs, n, i, margin = {}, 0, 0, 8
counts = {}   -- globals: done() reads them from every thread with thread:get
wrongs = {}

local fixed = {
   valid = 200, forbidden = 403, down = 503,
   expired = 401, tampered = 401, randkid = 401, garbage = 401, notoken = 401, wrongalg = 401,
}

function init(args)
   local f = assert(io.open(args[1], "r"))
   for line in f:lines() do
      local path, tok = line:match("^([^\t]+)\t?(.*)$")
      local headers = {}
      if tok ~= "" then headers["Authorization"] = "Bearer " .. tok end
      n = n + 1
      reqs[n] = wrk.format("GET", path, headers)
   end
   f:close()
   margin = tonumber(args[2]) or margin
   -- threads start at different places of the (shuffled) list
   i = math.floor(n * (id or 0) / 2) % n
end

function request()
   i = i % n + 1
   return reqs[i]
end

-- true when status is the right answer for this class at this moment
local function judge(class, t, status)
   local want = fixed[class]
   if want then return status == want end
   local now = os.time()
   local before, after
   if class == "ends" then before, after = 200, 401
   elseif class == "starts" then before, after = 401, 200
   else return false end
   if now < t - margin then return status == before end
   if now > t + margin then return status == after end
   return status == before or status == after
end

function response(status, headers, body)
   local uri = headers["X-Case"] or ""
   local loc, class, t = uri:match("^/([%w]+)/([%w]+)/(%d+)/")
   local key = loc and (loc .. "/" .. class) or ("no-case:" .. uri)
   local ck = key .. " " .. status
   counts[ck] = (counts[ck] or 0) + 1
   if not (class and judge(class, tonumber(t), status)) then
      wrongs[ck] = (wrongs[ck] or 0) + 1
   end
end

function done(summary, latency, requests)
   local all, bad = {}, {}
   for _, thread in ipairs(threads) do
      for k, v in pairs(thread:get("counts")) do all[k] = (all[k] or 0) + v end
      for k, v in pairs(thread:get("wrongs")) do bad[k] = (bad[k] or 0) + v end
   end
   for k, v in pairs(all) do
      io.write(string.format("SOAK-COUNT %s %d wrong %d\n", k, v, bad[k] or 0))
   end
   local e = summary.errors
   io.write(string.format("SOAK-ERRORS connect %d read %d write %d timeout %d status %d requests %d\n",
      e.connect, e.read, e.write, e.timeout, e.status, summary.requests))
end
