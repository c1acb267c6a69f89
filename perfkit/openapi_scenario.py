"""A scenario of a service's own endpoints, written from its OpenAPI document.

`perfkit init --from-openapi URL|FILE` reads an OpenAPI 3 document (JSON, as FastAPI
serves at ``/openapi.json``) and writes a scenario to edit:

- every GET operation becomes an endpoint; its path parameters and required query
  parameters are filled from the document's ``example``/``examples``, the schema's
  ``example``, ``default`` or first ``enum`` value, else a value of the schema's type
  (``1`` for an integer, within ``minimum``; ``"example"`` for a string);
- other methods are listed commented out with the reason (they change data, and a body
  is needed that only the author knows), ready to uncomment;
- weights are 1 each, ``category`` is ``health`` for paths that say health/ready/live
  and ``api`` otherwise; ``expect`` is the operation's documented 2xx and 4xx statuses
  except 404, plus 429 (a rate limiter answering under load is working).

A document that is not OpenAPI 3 (no ``openapi: 3.x``, no ``paths``), or cannot be read,
is an `InputError` naming the problem, raised before anything is written.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from perfkit.errors import InputError

_METHODS = ("get", "post", "put", "patch", "delete")
_HEALTH = re.compile(r"health|ready|live|ping", re.IGNORECASE)
_UNSAFE = re.compile(r"[^a-z0-9]+")


def read_document(source: str) -> dict[str, Any]:
    """The OpenAPI document at ``source`` (an http(s) URL or a file), checked to be one."""
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=10) as answer:
                raw = answer.read()
        else:
            raw = Path(source).read_bytes()
    except (OSError, urllib.error.URLError, ValueError) as exc:
        raise InputError(f"cannot read the OpenAPI document {source}: {exc}") from None
    try:
        document = json.loads(raw)
    except ValueError:
        raise InputError(f"{source} is not JSON (an OpenAPI document in JSON is needed)") from None
    version = document.get("openapi") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith("3."):
        swagger = isinstance(document, dict) and "swagger" in document
        found = "Swagger 2, not 3" if swagger else "no 'openapi: 3.x' field"
        raise InputError(f"{source} is not an OpenAPI 3 document ({found})")
    if not isinstance(document.get("paths"), dict):
        raise InputError(f"{source} is not an OpenAPI 3 document: it has no 'paths' object")
    checked: dict[str, Any] = document
    return checked


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    """``node`` with a local ``$ref`` (``#/components/...``) followed."""
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        node = target
    return node


def example_value(document: Mapping[str, Any], parameter: Mapping[str, Any]) -> str:
    """A value for ``parameter``: its example, its schema's, a default, else generated."""
    if "example" in parameter:
        return _text(parameter["example"])
    examples = parameter.get("examples")
    if isinstance(examples, Mapping) and examples:
        first = _resolve(document, next(iter(examples.values())))
        if isinstance(first, Mapping) and "value" in first:
            return _text(first["value"])
    schema = _resolve(document, parameter.get("schema", {}))
    if isinstance(schema, Mapping) and isinstance(schema.get("anyOf"), list):
        schema = _resolve(document, schema["anyOf"][0])
    if not isinstance(schema, Mapping):
        return "example"
    for key in ("example", "default"):
        if key in schema:
            return _text(schema[key])
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return _text(schema["examples"][0])
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return _text(schema["enum"][0])
    kind = schema.get("type")
    if kind in ("integer", "number"):
        return _text(max(1, int(schema.get("minimum", 1))))
    if kind == "boolean":
        return "true"
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-000000000001"
    return "example"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _operations(document: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for path, item in document["paths"].items():
        if isinstance(item, Mapping):
            for method in _METHODS:
                operation = item.get(method)
                if isinstance(operation, Mapping):
                    shared = item.get("parameters", [])
                    yield path, method, {**operation, "_shared": shared}


def _statuses(operation: Mapping[str, Any]) -> list[int]:
    documented = {int(code) for code in operation.get("responses", {}) if str(code).isdigit()}
    ok = sorted(c for c in documented if 200 <= c < 300) or [200]
    refused = sorted(c for c in documented if 400 <= c < 500 and c != 404)
    return sorted({*ok, *refused, 429})


def scenario_text(document: Mapping[str, Any], source: str) -> str:
    """The scenario TOML for ``document`` (read from ``source``), with comments."""
    title = str(document.get("info", {}).get("title") or "service")
    lines = [
        f"# Written by perfkit init --from-openapi {source}: the GET operations of",
        f"# {title!r} with example path and query values. Edit the values to ones your",
        "# service has (a 404 means the example names nothing), the weights (each endpoint's",
        "# share of requests) and the categories (health | api | critical: thresholds.toml).",
        "# Operations that change data are listed at the end, commented out, with the reason.",
        f"name = {json.dumps(_slug(title))}",
        f"description = {json.dumps('Generated from the OpenAPI document of ' + title)}",
    ]
    skipped: list[str] = []
    names: set[str] = set()
    for path, method, operation in _operations(document):
        label = operation.get("summary") or f"{'' if method == 'get' else method} {path}"
        name = _unique(_slug(str(label)), names)
        if method != "get":
            skipped.extend(_commented(name, path, method, operation))
            continue
        lines.extend(_endpoint(document, name, path, operation))
    if skipped:
        lines.extend(
            ["", "# Not generated: they change data, and need a body only you know.", *skipped]
        )
    return "\n".join(lines) + "\n"


def _endpoint(
    document: Mapping[str, Any], name: str, path: str, operation: Mapping[str, Any]
) -> list[str]:
    parameters = [
        _resolve(document, p) for p in [*operation["_shared"], *operation.get("parameters", [])]
    ]
    query: dict[str, str] = {}
    headers: dict[str, str] = {}
    for parameter in parameters:
        if not isinstance(parameter, Mapping):
            continue
        where, key = parameter.get("in"), str(parameter.get("name", ""))
        if where == "path":
            path = path.replace("{" + key + "}", example_value(document, parameter))
        elif where == "query" and parameter.get("required"):
            query[key] = example_value(document, parameter)
        elif where == "header" and parameter.get("required"):
            headers[key.lower()] = example_value(document, parameter)
    lines = ["", "[[endpoints]]", f"name = {json.dumps(name)}", f"path = {json.dumps(path)}"]
    if query:
        lines.append(f"query = {_inline(query)}")
    if headers:
        lines.append(f"headers = {_inline(headers)}")
    category = "health" if _HEALTH.search(path) else "api"
    lines += [f'category = "{category}"', "weight = 1", f"expect = {_statuses(operation)}"]
    return lines


def _commented(name: str, path: str, method: str, operation: Mapping[str, Any]) -> list[str]:
    reason = "writes data" if method in ("post", "put", "patch") else "deletes data"
    body = (
        "\n# json = { }                    # the request body" if "requestBody" in operation else ""
    )
    return [
        f"\n# {method.upper()} {path}: {reason}; uncomment with values of your own",
        f'# [[endpoints]]\n# name = {json.dumps(name)}\n# method = "{method.upper()}"',
        f"# path = {json.dumps(path)}{body}\n# expect = {_statuses(operation)}",
    ]


def _inline(table: Mapping[str, str]) -> str:
    return "{ " + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in table.items()) + " }"


def _slug(text: str) -> str:
    return _UNSAFE.sub("-", text.lower()).strip("-")[:60] or "endpoint"


def _unique(name: str, taken: set[str]) -> str:
    chosen, n = name, 2
    while chosen in taken:
        chosen, n = f"{name}-{n}", n + 1
    taken.add(chosen)
    return chosen
