"""Benchmarks, their apps, tables and peer adapters: the code behind `perfkit bench ...`.

Nothing at runtime imports this package: it is the one place allowed to import the
dev-only peer libraries (`limits`, `locust`, `cashews`, `aiocache`), and only inside the
benchmark that needs them.

- `cache` (`perfkit bench cache`), with `cache_table`, `cache_peers` and `cache_demo`
  (a small Starlette app over the cache, served by uvicorn on loopback);
- `limiter` (`perfkit bench limiter`);
- `middleware` (`perfkit bench middleware`), with `middleware_app` (its default app) and
  `middleware_server` (the process that serves the app under test);
- `loadgen` (`perfkit bench loadgen`);
- `verdicts` (`perfkit bench verdicts`): the verdict's A/A and slowdown calibration.
"""
