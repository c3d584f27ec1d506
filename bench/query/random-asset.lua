-- wrk script: every request asks for a path built from a template, with {asset} replaced by a random asset id
-- (bench-00000 .. bench-<n-1>), and an optional Authorization header.
--   wrk ... -s bench/query/random-asset.lua http://127.0.0.1:PORT -- TEMPLATE ASSETS [AUTHORIZATION]
-- A template without {asset} asks for the same path every time.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

local prefix, suffix, assets, headers

function init(args)
  local template = args[1]
  assets = tonumber(args[2])
  local at = string.find(template, "{asset}", 1, true)
  if at then
    prefix = string.sub(template, 1, at - 1)
    suffix = string.sub(template, at + 7)
  else
    prefix = template
  end
  headers = {}
  if args[3] and args[3] ~= "" then
    headers["Authorization"] = args[3]
  end
  math.randomseed(os.time() * 100 + (seed or 0))
end

function request()
  local path = prefix
  if suffix then
    path = prefix .. string.format("bench-%05d", math.random(0, assets - 1)) .. suffix
  end
  return wrk.format("GET", path, headers)
end

-- wrk prints p50/p75/p90/p99; the harness also reads p95 from here.
function done(summary, latency, requests)
  io.write(string.format("p95_us %d\n", latency:percentile(95.0)))
end
