-- wrk script: POST a one-day crud to /api/activities as the user of CRUDDUR_BENCH_TOKEN.
local token = os.getenv("CRUDDUR_BENCH_TOKEN")
if token == nil or token == "" then
  error("CRUDDUR_BENCH_TOKEN is not set (bench/home/run sets it from `cruddur dev-token`)")
end

wrk.method = "POST"
wrk.body = '{"message": "Benchmark crud from wrk", "ttl": "1-day"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
