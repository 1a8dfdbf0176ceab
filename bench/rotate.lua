-- wrk script: each request carries the next of many distinct tokens, so no cache can hide
-- the signature check. usage: wrk ... -s rotate.lua URL -- TOKENS_FILE
local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   tokens = {}
   for line in io.lines(args[1]) do
      if #line > 0 then tokens[#tokens + 1] = "Bearer " .. line end
   end
   -- threads start at different offsets so they do not send the same token at once
   idx = (tid or 0) * math.floor(#tokens / 2)
end

function request()
   idx = idx % #tokens + 1
   return wrk.format("GET", nil, { Authorization = tokens[idx] })
end
