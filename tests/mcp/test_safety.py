"""What leaves the server: secrets masked, and paths kept inside the history folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfkit.config import Settings
from perfkit.errors import ConfigError, InputError
from perfkit.mcp.config import McpConfig, origin
from perfkit.mcp.locate import find_run, history_folder
from perfkit.mcp.safety import Redactor
from perfkit.runs.catalog import Catalog


def test_every_configured_secret_and_any_url_password_is_masked() -> None:
    settings = Settings.from_env(
        {
            "REDIS_URL": "redis://user:p%40ss-word@db:6379/0",
            "REDIS_PASSWORD": "other-password",
            "PERFKIT_BASELINE_TOKEN": "tok-123456",
            "PERFKIT_CACHE_TTL_AUDIO": "3600",
        }
    )
    redactor = Redactor.from_settings(settings)
    text = (
        "redis://user:p%40ss-word@db:6379/0 p@ss-word other-password tok-123456 "
        "http://x:y@host/ 3600"
    )
    assert redactor.text(text) == ("redis://user:***@db:6379/0 *** *** *** http://x:***@host/ 3600")
    nested = {"a": ["tok-123456", {"tok-123456": 1}], "b": 3600}
    assert redactor.scrub(nested) == {"a": ["***", {"***": 1}], "b": 3600}


def test_allow_list_compares_origins() -> None:
    assert origin("http://127.0.0.1:8000/") == origin("HTTP://127.0.0.1:8000/api")
    assert origin("https://example.org") == "https://example.org:443"
    config = McpConfig.from_settings(
        Settings.from_env({"PERFKIT_MCP_TARGETS": "http://127.0.0.1:8000, http://svc"}),
        (Path("."),),
        Path("reports"),
    )
    assert config.allowed_target("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert config.allowed_target("http://svc:80") == "http://svc:80"
    for refused in ("http://127.0.0.1:8001", "https://127.0.0.1:8000", "http://svc:8080"):
        with pytest.raises(InputError, match="not on the server's allow-list"):
            config.allowed_target(refused)
    with pytest.raises(ConfigError, match="PERFKIT_MCP_TARGETS"):
        McpConfig.from_settings(
            Settings.from_env({"PERFKIT_MCP_TARGETS": "svc:80"}), (Path("."),), Path(".")
        )


def test_paths_outside_the_history_folders_are_refused(tmp_path: Path) -> None:
    inside, outside = tmp_path / "runs", tmp_path / "other"
    inside.mkdir()
    outside.mkdir()
    (outside / "baseline-x.json").write_text("{}")
    (inside / "baseline-link.json").symlink_to(outside / "baseline-x.json")
    config = McpConfig.from_settings(Settings.from_env({}), (inside,), tmp_path)
    assert history_folder(config, None) == inside.resolve()
    assert history_folder(config, str(inside)) == inside.resolve()
    for folder in (str(outside), str(inside / ".."), "/"):
        with pytest.raises(InputError, match="outside the server's history"):
            history_folder(config, folder)
    for key in ("../other/baseline-x.json", str(outside / "baseline-x.json"),
                "./baseline-link.json"):  # fmt: skip
        with pytest.raises(InputError, match="outside the server's history folders"):
            find_run(config, key, Catalog.of(inside))
