-- Sliding window, weighted two-counter (the Cloudflare / Envoy approximation): one hash
-- per caller holds the current window's index `w`, its count `c` and the previous
-- window's count `p`. The estimate is floor(p * (time left in the window) / window) + c,
-- which tracks a true sliding log closely at the cost of three small integers. The expiry
-- is set only when the hash is created or rolls into a new window.
local function sliding_window_check(key, now, limit, window)
  local idx = math.floor(now / window)
  local v = redis.call('HMGET', key, 'w', 'c', 'p')
  local w = tonumber(v[1])
  local c = tonumber(v[2]) or 0
  local p = tonumber(v[3]) or 0
  local rolled = w ~= idx
  if rolled then
    if w == idx - 1 then p = c else p = 0 end
    c = 0
  end
  local elapsed = now - idx * window
  local used = math.floor(p * (window - elapsed) / window) + c
  local st = {key = key, idx = idx, c = c, p = p, rolled = rolled, now = now, window = window}
  st.reset = window - elapsed
  if used < limit then
    st.allowed = true
    st.remaining = limit - used - 1
    st.retry = 0
  else
    st.allowed = false
    st.remaining = 0
    if c >= limit then
      -- wait for the next window, then until c's weight has decayed below the limit
      st.retry = window - elapsed + math.max(0, math.floor(window - limit * window / c) + 1)
    else
      st.retry = math.floor(window - (limit - c) * window / p) + 1 - elapsed
    end
  end
  return st
end

local function sliding_window_commit(st)
  redis.call('HSET', st.key, 'w', st.idx, 'c', st.c + 1, 'p', st.p)
  if st.rolled then
    redis.call('PEXPIRE', st.key, math.ceil(((st.idx + 2) * st.window - st.now) / 1000))
  end
end
