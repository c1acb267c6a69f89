"""What every tool, resource and prompt module is given: the configuration and the guard."""

from __future__ import annotations

from dataclasses import dataclass

from perfkit.mcp.config import McpConfig
from perfkit.mcp.safety import Guard, Redactor


@dataclass(frozen=True)
class ServerContext:
    config: McpConfig
    guard: Guard

    @classmethod
    def from_config(cls, config: McpConfig) -> ServerContext:
        return cls(config, Guard(Redactor.from_settings(config.settings)))
