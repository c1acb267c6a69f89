-- Release a cache-fill lock only if the caller still holds it.
-- KEYS[1]: the lock key; ARGV[1]: the caller's random token.
-- GET-then-DEL from the client could delete a lock that expired and was taken by
-- another process in between; compared and deleted here, it is one atomic step.
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
