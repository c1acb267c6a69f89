-- Lease mode: take up to `want` requests of one caller's GCRA quota at once, and give
-- back `back` requests of an earlier lease that were not used. Atomic, one round trip.
-- KEYS[1]: the policy's GCRA key for the identity (the same key exact mode uses).
-- ARGV: now in microseconds ('' = the server's TIME), limit, window (us), burst, want, back.
-- A lease of n requests moves the theoretical arrival time (TAT) on by n intervals, as n
-- requests arriving at once would; giving back k moves it back by k intervals, never to
-- before now (time already refilled what was not used). Reply: granted, remaining
-- (after the grant), reset (ms), retry-after (ms; when nothing was granted).
local EPS = 1e-6
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local want = tonumber(ARGV[5])
local back = tonumber(ARGV[6])
local interval = window / limit
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if back > 0 then tat = math.max(now, tat - back * interval) end
local ahead = math.max(0, tat - now)
local avail = math.floor((burst * interval - ahead) / interval + EPS)
local n = math.max(0, math.min(want, avail))
local new_ahead = ahead + n * interval
if n > 0 or back > 0 then
  local new_tat = math.floor(now + new_ahead)
  redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX',
             math.ceil((new_tat - now) / 1000) + 1)
end
local retry = 0
if n == 0 and want > 0 then retry = math.max(1, ahead + interval - burst * interval) end
return {n, avail - n, math.ceil(new_ahead / 1000), math.ceil(retry / 1000)}
