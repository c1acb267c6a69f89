"""`perfkit analytics --live` against the reference service over real HTTP."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from perfkit.cli import app
from perfkit.connection import Keyspace
from perfkit.embedded import EmbeddedServer
from perfkit.service.app import create_app
from perfkit.serving import serve_app
from tests.service.conftest import service_settings


def test_an_unhealthy_redis_is_reported_not_an_error(
    private_server: EmbeddedServer, tmp_path: Path
) -> None:
    """/api/redis/health answers 503 when Redis is down: that answer is the data."""
    settings = service_settings(private_server.url, Keyspace("pktest-live:"), tmp_path)
    with serve_app(create_app(settings)) as url:
        private_server.stop()
        out = tmp_path / "analytics"
        result = CliRunner().invoke(app, ["analytics", "--live", url, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.output)
    summary = report["sections"]["executive_summary"]
    assert summary["key_metrics"]["redis_status"] == "unhealthy"
    assert summary["health_score"] <= 80  # Redis unhealthy costs 20
    assert len(list(out.glob("*.json"))) == 1
