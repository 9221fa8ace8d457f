-- wrk script for bench/webhook.py: POST pre-signed inbound webhooks, each request once.
--
-- args: <requests file> <thread count>. Each line of the file is "signature<TAB>form body".
-- Thread k of n sends lines k, k+n, k+2n, ... so no two requests share a MessageSid; when a
-- thread runs out it starts over and counts a wrap (bench/webhook.py reports it: a wrapped
-- request is a Twilio retry, which smsgate answers without recording anything).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  reqs, pos, non200, wrapped = {}, 0, 0, 0
  local i = 0
  for line in io.lines(path) do
    if i % nthreads == id then
      local signature, body = line:match("^([^\t]+)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", "/webhooks/twilio/inbound", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = signature,
      }, body)
    end
    i = i + 1
  end
end

function request()
  pos = pos + 1
  if pos > #reqs then
    pos, wrapped = 1, wrapped + 1
  end
  return reqs[pos]
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local n, w = 0, 0
  for _, thread in ipairs(threads) do
    n = n + thread:get("non200")
    w = w + thread:get("wrapped")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"non200":%d,"wrapped":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, n, w, e.connect, e.read, e.write,
    e.timeout))
end
