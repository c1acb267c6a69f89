"""Benchmarks: `perfkit bench ...` (no runtime module imports this package)."""
