-- wrk script: every request is "Authorization: DPoP <token>" with a proof never sent before
-- (RFC 9449 11.1: the server refuses a replayed jti). usage:
--   wrk -tTHREADS ... -s dpop.lua URL -- TOKEN_FILE PROOFS_FILE FIRST COUNT THREADS
-- the proofs FIRST .. FIRST+COUNT-1 of PROOFS_FILE (1-based) are this run's, split between the
-- threads; a thread that runs out starts its slice again, and those replays show as non-2xx.
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
end

function init(args)
   local f = io.open(args[1])
   token = "DPoP " .. f:read("*l")
   f:close()
   local first, count, nthreads = tonumber(args[3]), tonumber(args[4]), tonumber(args[5])
   local per = math.floor(count / nthreads)
   local from = first + (tid or 0) * per
   proofs = {}
   local n = 0
   for line in io.lines(args[2]) do
      n = n + 1
      if n >= from and n < from + per and #line > 0 then proofs[#proofs + 1] = line end
      if n >= from + per then break end
   end
   idx = 0
end

function request()
   idx = idx % #proofs + 1
   return wrk.format("GET", nil, { Authorization = token, DPoP = proofs[idx] })
end
