-- One decision over every policy that applies to a request, in one round trip.
-- The algorithm functions are concatenated before this file (see scripts.py).
-- KEYS[i]: the key of policy i (all share one hash tag: the caller's identity).
-- ARGV[1]: now in microseconds, or '' to use the server's TIME (the normal case).
-- ARGV[2 + 5(i-1) ...]: algorithm ('f', 's', 'g'), limit, window (us), burst, flags
--   (flags: 1 = refused requests count against the caller, 2 = shadow policy).
-- A request is refused when any non-shadow policy refuses; then no policy consumes it,
-- except those whose refused requests count. Reply: per policy allowed (1/0),
-- remaining, reset (ms) and retry-after (ms).
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local states = {}
local refused = false
for i = 1, #KEYS do
  local b = 2 + (i - 1) * 5
  local algo = ARGV[b]
  local limit = tonumber(ARGV[b + 1])
  local window = tonumber(ARGV[b + 2])
  local flags = tonumber(ARGV[b + 4])
  local st
  if algo == 'g' then
    st = gcra_check(KEYS[i], now, limit, window, tonumber(ARGV[b + 3]))
  elseif algo == 's' then
    st = sliding_window_check(KEYS[i], now, limit, window)
  elseif algo == 'f' then
    st = fixed_window_check(KEYS[i], limit, window)
  else
    return redis.error_reply('unknown rate limit algorithm ' .. tostring(algo))
  end
  st.algo = algo
  st.count_refused = flags % 2 == 1
  st.shadow = math.floor(flags / 2) % 2 == 1
  states[i] = st
  if not st.allowed and not st.shadow then refused = true end
end
local reply = {}
for i = 1, #KEYS do
  local st = states[i]
  local commit = st.count_refused
  if st.allowed then commit = not refused end
  local remaining = st.remaining
  if commit then
    if st.algo == 'g' then gcra_commit(st)
    elseif st.algo == 's' then sliding_window_commit(st)
    else fixed_window_commit(st) end
  elseif st.allowed then
    remaining = remaining + 1
  end
  local n = #reply
  reply[n + 1] = st.allowed and 1 or 0
  reply[n + 2] = remaining
  reply[n + 3] = math.ceil(st.reset / 1000)
  reply[n + 4] = math.ceil(st.retry / 1000)
end
return reply
