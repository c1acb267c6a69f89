"""The importers read files written by the real tools, run in the test against a real app."""

from __future__ import annotations

from tests.loadgen.conftest import counter, status_url

__all__ = ["counter", "status_url"]
