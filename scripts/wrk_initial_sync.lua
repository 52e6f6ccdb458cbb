-- An Okta-style initial sync driven by wrk (a C client, so the client's own CPU stays small on 2 cores):
-- every user is looked up with `userName eq` (expecting none), then POSTed. Each wrk thread pushes
-- USERS / threads users and stops; wrk's connections (-c) are the concurrent clients.
--   USERS=100000 wrk -t2 -c8 -d600s -H "Authorization: Bearer T" -s scripts/wrk_initial_sync.lua BASE_URL
-- scripts/bench_initial_sync.sh runs it end to end and times it by the server's user count (to 0.1 s).
-- Prints SYNCJSON {"users":..,"seconds":..,"users_per_s":..,"unexpected":..} at the end (seconds from the
-- threads' start to the last one's finish, to the second; run it with a short -d such as 120s so that wrk does
-- not wait long after). Within a thread the lookup of a user and its POST may go out on different connections;
-- the server sees the same 1:1 mix.
local total = tonumber(os.getenv("USERS") or "100000")
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

-- Thread state (globals, read back by done()).
posted, unexpected, step, started, finished = 0, 0, 0, 0, 0

function init(args)
   base = wrk.path:gsub("/+$", "")
   quota = math.floor(total / tonumber(os.getenv("THREADS") or "2"))
   wrk.headers["Content-Type"] = "application/scim+json"
   started = os.time()
end

function request()
   step = step + 1
   local k = math.floor((step + 1) / 2)
   local name = string.format("sync-%d-%07d@example.com", tid, k)
   if step % 2 == 1 then
      return wrk.format("GET", base .. "/Users?filter=userName%20eq%20%22" .. name .. "%22&startIndex=1&count=100")
   end
   local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name ..
      '","name":{"givenName":"Given' .. k .. '","familyName":"Family' .. k .. '"},' ..
      '"emails":[{"primary":true,"value":"' .. name .. '","type":"work"}],"displayName":"Given' .. k ..
      ' Family' .. k .. '","locale":"en-US","externalId":"00u' .. tid .. '-' .. k .. '","groups":[],"active":true}'
   return wrk.format("POST", base .. "/Users", nil, body)
end

function response(status, headers, body)
   if status == 201 then
      posted = posted + 1
      if posted >= quota then
         finished = os.time()
         wrk.thread:stop()
      end
   elseif status ~= 200 then
      unexpected = unexpected + 1
   end
end

function done(summary, latency, requests)
   -- wrk waits out -d even when every thread stopped early: time the run from the threads' own clocks (seconds).
   local users, bad, first, last = 0, 0, math.huge, 0
   for _, t in ipairs(threads) do
      users = users + t:get("posted")
      bad = bad + t:get("unexpected")
      first = math.min(first, t:get("started"))
      local f = t:get("finished")
      last = math.max(last, f > 0 and f or os.time())
   end
   local secs = math.max(1, last - first)
   io.write(string.format(
      'SYNCJSON {"users":%d,"seconds":%.1f,"users_per_s":%.0f,"unexpected":%d,"requests":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n',
      users, secs, users / secs, bad, summary.requests, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
