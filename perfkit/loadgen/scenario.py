"""Scenarios: the endpoints a run hits, read from a TOML file (default: `perfkit.project`).

A scenario file::

    name = "default"
    description = "..."            # optional
    headers = { x-user-id = "a" }  # optional, sent with every request

    [[endpoints]]
    name = "chat"                  # unique; how the endpoint is named in the run
    method = "POST"                # default GET
    path = "/api/chat"
    query = { ids = "a,b" }        # optional
    json = { message = "hi" }      # optional; or body = "raw text"
    headers = { ... }              # optional
    weight = 2                     # share of the requests, default 1
    category = "api"               # health | api | critical
    expect = [200]                 # statuses that count as success, default [200]

Endpoints are picked by smooth weighted round robin (deterministic: 200 requests over
weights 1 and 3 are exactly 50 and 150). Unknown fields are refused with `InputError`
naming the field and the file, so a typo never silently changes a run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson

from perfkit.errors import InputError
from perfkit.project import Project, read_toml
from perfkit.runs.model import CATEGORIES

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_TOP_FIELDS = {"name", "description", "headers", "endpoints"}
_ENDPOINT_FIELDS = {
    "name", "method", "path", "query", "json", "body", "headers", "weight", "category", "expect"
}  # fmt: skip


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    method: str = "GET"
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    weight: int = 1
    category: str = "api"
    expect: frozenset[int] = frozenset({200})

    @property
    def target(self) -> str:
        """The path with its query string, as sent."""
        return f"{self.path}?{urlencode(self.query)}" if self.query else self.path


@dataclass(frozen=True)
class Scenario:
    name: str
    endpoints: tuple[Endpoint, ...]
    headers: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    def schedule(self) -> Iterator[int]:
        """Endpoint indexes forever, by smooth weighted round robin (nginx's algorithm)."""
        weights = [e.weight for e in self.endpoints]
        total = sum(weights)
        current = [0] * len(weights)
        while True:
            for i, weight in enumerate(weights):
                current[i] += weight
            best = max(range(len(current)), key=current.__getitem__)
            current[best] -= total
            yield best


def default_scenario_path() -> Path:
    """The project's scenario, else the packaged default (see `perfkit.project`)."""
    return Project.find().scenario()


def load_scenario(path: Path) -> Scenario:
    return parse_scenario(read_toml(path, "scenario file"), str(path))


def parse_scenario(data: Mapping[str, Any], source: str) -> Scenario:
    _no_unknown(data, _TOP_FIELDS, source)
    name = _text(data, "name", source, None)
    raw_endpoints = data.get("endpoints")
    if raw_endpoints is None or raw_endpoints == []:
        raise InputError(
            f"{source}: no endpoints yet: add [[endpoints]] tables (the file's comments show "
            "how), or write them from your API with perfkit init --from-openapi URL"
        )
    if not isinstance(raw_endpoints, list):
        raise InputError(f"{source}: 'endpoints' must be a non-empty list of tables")
    endpoints = tuple(
        _endpoint(item, f"{source}: endpoints[{i}]") for i, item in enumerate(raw_endpoints)
    )
    names = [e.name for e in endpoints]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise InputError(f"{source}: endpoint name {duplicate!r} is used twice")
    return Scenario(
        name=name,
        endpoints=endpoints,
        headers=_strings(data, "headers", source),
        description=str(data.get("description", "")),
    )


def _endpoint(item: object, where: str) -> Endpoint:
    if not isinstance(item, Mapping):
        raise InputError(f"{where}: must be a table")
    _no_unknown(item, _ENDPOINT_FIELDS, where)
    path = _text(item, "path", where, None)
    if not path.startswith("/"):
        raise InputError(f"{where}: 'path' must start with '/' (got {path!r})")
    method = _text(item, "method", where, "GET").upper()
    if method not in METHODS:
        raise InputError(f"{where}: unknown method {method!r}")
    if "json" in item and "body" in item:
        raise InputError(f"{where}: give 'json' or 'body', not both")
    body: bytes | None = None
    if "json" in item:
        body = orjson.dumps(item["json"])
    elif "body" in item:
        body = _text(item, "body", where, None).encode()
    headers = dict(_strings(item, "headers", where))
    if "json" in item:
        headers.setdefault("content-type", "application/json")
    weight = item.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
        raise InputError(f"{where}: 'weight' must be a positive integer (got {weight!r})")
    category = _text(item, "category", where, "api")
    if category not in CATEGORIES:
        raise InputError(f"{where}: 'category' must be one of {', '.join(CATEGORIES)}")
    expect = item.get("expect", [200])
    if (
        not isinstance(expect, list)
        or not expect
        or not all(isinstance(s, int) and 100 <= s <= 599 for s in expect)
    ):
        raise InputError(f"{where}: 'expect' must be a list of HTTP status codes")
    return Endpoint(
        name=_text(item, "name", where, None),
        path=path,
        method=method,
        query=_strings(item, "query", where),
        body=body,
        headers=headers,
        weight=weight,
        category=category,
        expect=frozenset(expect),
    )


def _no_unknown(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InputError(
            f"{where}: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _text(data: Mapping[str, Any], key: str, where: str, default: str | None) -> str:
    value = data.get(key, default)
    if value is None:
        raise InputError(f"{where}: missing field {key!r}")
    if not isinstance(value, str) or not value:
        raise InputError(f"{where}: {key!r} must be a non-empty string")
    return value


def _strings(data: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: {key!r} must be a table of strings")
    return {str(k): str(v) for k, v in value.items()}
