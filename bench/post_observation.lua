-- wrk script of bench/http_ingest.py: each request POSTs one Observation.
-- Environment: TOKEN (bearer token), DS0 (first Datastream id), NDS (number of them).
-- Each wrk thread counts the statuses it got; done() prints them as one JSON line.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("TOKEN") or "none"
  first = tonumber(os.getenv("DS0") or "1")
  nds = tonumber(os.getenv("NDS") or "1")
  n = 0
  statuses = {}
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
end

function request()
  n = n + 1
  local ds = first + (n % nds)
  -- distinct times per thread, one second apart
  local t = 1704067200 + tid * 100000000 + n
  local body = string.format(
    '{"phenomenonTime":"%s","result":%.1f,"Datastream":{"@iot.id":%d}}',
    os.date("!%Y-%m-%dT%H:%M:%SZ", t), (n % 1000) / 10, ds)
  return wrk.format("POST", "/v1.1/Observations", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local got = thread:get("statuses")
    for status, count in pairs(got) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, string.format('"%d":%d', status, count))
  end
  io.write(string.format(
    'WRK-RESULT {"requests":%d,"seconds":%.3f,"p50_ms":%.3f,"p99_ms":%.3f,"statuses":{%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, table.concat(parts, ",")))
end
