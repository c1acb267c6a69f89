"""The ``[service]`` table of ``perfkit.toml``: how to start one build of the user's service.

```toml
[service]
command = "uvicorn app:app --port {port}"   # run from the build's checkout (or cwd)
ready = "/health"                           # answers below 400 once the service is up
cwd = "services/api"                        # optional, relative to the project folder
env = { APP_ENV = "perf" }                  # optional, added to perfkit's environment
ready_timeout = 60                          # optional, seconds
```

``{port}`` (a free loopback port perfkit picks) must appear in the command or in a value
of ``env``; ``{python}`` is the Python running perfkit, so a project can start a Python
service without knowing where its virtual environment is. The command is split like a
shell would split it (quotes kept together) but no shell runs it: write
``sh -c '...'`` for pipes or ``&&``.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from perfkit.errors import InputError

PORT = "{port}"
PYTHON = "{python}"
_KEYS = ("command", "ready", "cwd", "env", "ready_timeout")
DEFAULT_READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ServiceConfig:
    """A service command; `argv` and `environment` fill in ``{python}`` (``{port}`` is
    filled in by `perfkit.serving.serve_process` once it has picked the port)."""

    command: str
    ready: str = "/"
    cwd: str = ""
    env: Mapping[str, str] = field(default_factory=dict)
    ready_timeout_s: float = DEFAULT_READY_TIMEOUT_S

    def argv(self) -> list[str]:
        return [part.replace(PYTHON, sys.executable) for part in shlex.split(self.command)]

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        return {**base, **{k: v.replace(PYTHON, sys.executable) for k, v in self.env.items()}}

    def folder(self, checkout: Path) -> Path:
        """Where the command runs in a checkout of the project (its root, or ``cwd``)."""
        return checkout / self.cwd if self.cwd else checkout


def parse_service(table: object, path: Path | str) -> ServiceConfig:
    """``[service]`` of ``path`` as a `ServiceConfig`; a one-line `InputError` naming the
    first bad key."""
    if not isinstance(table, dict):
        raise InputError(f"{path}: service must be a table ([service])")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise InputError(f"{path}: unknown key service.{unknown[0]} (allowed: {', '.join(_KEYS)})")
    command = table.get("command")
    if not isinstance(command, str) or not command.strip():
        raise InputError(f"{path}: service.command must be a non-empty string")
    try:
        shlex.split(command)
    except ValueError as exc:
        raise InputError(f"{path}: service.command cannot be split: {exc}") from None
    ready = table.get("ready", "/")
    if not isinstance(ready, str) or not ready.startswith("/"):
        raise InputError(f"{path}: service.ready must be a path starting with / (e.g. /health)")
    cwd = table.get("cwd", "")
    if not isinstance(cwd, str) or Path(cwd).is_absolute() or ".." in Path(cwd).parts:
        raise InputError(f"{path}: service.cwd must be a folder inside the project")
    env = table.get("env", {})
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise InputError(f'{path}: service.env must be a table of strings ({{ NAME = "value" }})')
    if PORT not in command and not any(PORT in v for v in env.values()):
        raise InputError(
            f"{path}: service.command (or a value of service.env) must contain {PORT}, "
            "the port perfkit picks for each build"
        )
    timeout = table.get("ready_timeout", DEFAULT_READY_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise InputError(f"{path}: service.ready_timeout must be a number of seconds > 0")
    return ServiceConfig(command, ready, cwd, dict(env), float(timeout))
