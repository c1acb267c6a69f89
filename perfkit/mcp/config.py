"""What the operator allows the MCP server to do, read once at start-up.

``PERFKIT_MCP_TARGETS``: comma-separated base URLs of services the server may contact
(live tools read them; ``run_baseline`` loads them). Unset: none, and the server reads
only its history and reports, plus the reference service it starts itself for
``run_baseline``. ``PERFKIT_MCP_MAX_DURATION`` / ``_MAX_CONCURRENCY`` / ``_MAX_RATE`` bound
one ``run_baseline``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from perfkit.config import Settings
from perfkit.errors import ConfigError, InputError

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> str:
    """``scheme://host:port`` of an http(s) URL; `InputError` for anything else."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise InputError(f"{url!r} is not a valid URL: {exc}") from None
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.host:
        raise InputError(f"{url!r} is not an http(s) URL with a host")
    port = parsed.port or _DEFAULT_PORTS[parsed.scheme]
    return f"{parsed.scheme}://{parsed.host}:{port}"


@dataclass(frozen=True)
class McpConfig:
    history_dirs: tuple[Path, ...]
    reports_dir: Path
    targets: frozenset[str]
    max_duration_s: float
    max_concurrency: int
    max_rate: float
    settings: Settings

    @classmethod
    def from_settings(
        cls, settings: Settings, history_dirs: tuple[Path, ...], reports_dir: Path
    ) -> McpConfig:
        if not history_dirs:
            raise ConfigError("perfkit mcp needs at least one history folder (--runs)")
        targets: set[str] = set()
        for item in settings.env_text("PERFKIT_MCP_TARGETS", "").split(","):
            if item.strip():
                try:
                    targets.add(origin(item))
                except InputError as exc:
                    raise ConfigError(f"PERFKIT_MCP_TARGETS: {exc}") from None
        return cls(
            history_dirs=tuple(d.resolve() for d in history_dirs),
            reports_dir=reports_dir.resolve(),
            targets=frozenset(targets),
            max_duration_s=settings.env_float("PERFKIT_MCP_MAX_DURATION", 60.0, minimum=1.0),
            max_concurrency=settings.env_int("PERFKIT_MCP_MAX_CONCURRENCY", 50, minimum=1),
            max_rate=settings.env_float("PERFKIT_MCP_MAX_RATE", 1000.0, minimum=1.0),
            settings=settings,
        )

    def allowed_target(self, url: str) -> str:
        """``url`` without a trailing slash when its origin is on the allow-list."""
        found = origin(url)
        if found not in self.targets:
            raise InputError(
                f"target {found} is not on the server's allow-list (PERFKIT_MCP_TARGETS); "
                "omit the target to use the reference service"
            )
        return url.strip().rstrip("/")
