-- Fixed window, the semantics of express-rate-limit / rate-limit-redis: the window starts
-- at a key's first counted request and lasts `window` microseconds; the key is a plain
-- counter whose expiry is set only when it is created (never extended, so a steady caller
-- cannot keep a window open). A key found without an expiry gets one.
-- Returns a state table; fixed_window_commit counts the request.
local function fixed_window_check(key, limit, window)
  local count = tonumber(redis.call('GET', key)) or 0
  local ttl_ms = -2
  if count > 0 then
    ttl_ms = redis.call('PTTL', key)
  end
  local st = {key = key, window = window, no_ttl = ttl_ms == -1}
  local reset = window
  if ttl_ms >= 0 then
    reset = ttl_ms * 1000
  end
  st.reset = reset
  if count < limit then
    st.allowed = true
    st.remaining = limit - count - 1
    st.retry = 0
  else
    st.allowed = false
    st.remaining = 0
    st.retry = reset
  end
  return st
end

local function fixed_window_commit(st)
  local n = redis.call('INCR', st.key)
  if n == 1 or st.no_ttl then
    redis.call('PEXPIRE', st.key, math.ceil(st.window / 1000))
  end
end
