-- GCRA (generic cell rate algorithm), a token bucket kept as one integer: the theoretical
-- arrival time (TAT, microseconds) of the next request. `limit` requests per `window`
-- give an emission interval e = window / limit; a request is admitted when
-- TAT + e - burst * e <= now. Constant memory per caller and no edge bursts.
-- The arithmetic is done on offsets from `now` (small numbers, so doubles stay exact
-- to far below a microsecond) and the stored TAT is floored to a whole microsecond, so
-- rounding can never refuse a request early; EPS absorbs the last float ulp.
local GCRA_EPS = 1e-6

local function gcra_check(key, now, limit, window, burst)
  local interval = window / limit
  local ahead = (tonumber(redis.call('GET', key)) or now) - now
  if ahead < 0 then ahead = 0 end
  local new_ahead = ahead + interval
  local over = new_ahead - burst * interval
  local st = {key = key, now = now, new_tat = now + new_ahead}
  if over > GCRA_EPS then
    st.allowed = false
    st.remaining = 0
    st.retry = over
    st.reset = ahead
  else
    st.allowed = true
    st.remaining = math.max(0, math.min(burst - 1, math.floor(-over / interval + GCRA_EPS)))
    st.retry = 0
    st.reset = new_ahead
  end
  return st
end

local function gcra_commit(st)
  local tat = math.floor(st.new_tat)
  redis.call('SET', st.key, string.format('%d', tat), 'PX', math.ceil((tat - st.now) / 1000) + 1)
end
