-- wrk load for tests/scale and bench/scale: the API's lag-tolerant reads in turn (the cached home
-- page, an uncached page, search, a profile, a short profile) and, when CRUDDUR_TOKEN is set, a
-- create every tenth request. wrk counts every answer that is not 2xx/3xx as a failure.
local token = os.getenv("CRUDDUR_TOKEN")
local reads = {
  "/api/activities/home",
  "/api/activities/home?limit=5",
  "/api/activities/search?term=crud",
  "/api/activities/@altbrown",
  "/api/users/@bayko/short",
}
local n = 0

request = function()
  n = n + 1
  if token and token ~= "" and n % 10 == 0 then
    return wrk.format("POST", "/api/activities", {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
    }, '{"message":"a crud under load","ttl":"1-day"}')
  end
  return wrk.format("GET", reads[(n % #reads) + 1])
end
