"""The configuration reference, found in the code: every environment variable perfkit reads
and every ``perfkit.toml`` key, with the default the code uses.

Variables are found by reading perfkit's source (`ast`): the core ones in
``perfkit/config.py`` (``_int(env, "NAME", default, minimum)`` and friends, ``env.get``)
and every ``PERFKIT_*`` name anywhere in the package (``settings.env_int("NAME", ...)``
and friends give the type, default and minimum). Their meanings are written by hand in
``settings_meanings.toml`` beside this file; a variable the code reads without a meaning
there, or a meaning of a variable the code no longer reads, stops the docs build.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.docsite.cells import cell

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "perfkit"
MEANINGS = Path(__file__).with_name("settings_meanings.toml")
# the benchmarks set variables for the servers they start; they read none of their own
_SKIPPED = ("bench",)
_CORE_READERS = {"_int": "int", "_float": "number", "_bool": "bool", "_text": "text"}
_SETTINGS_READERS = {"env_int": "int", "env_float": "number", "env_bool": "bool",
                     "env_text": "text"}  # fmt: skip
_PERFKIT_NAME = re.compile(r"PERFKIT_[A-Z0-9_]*[A-Z0-9]_?")


class DocsDrift(Exception):
    """The code and the hand-written meanings disagree."""


@dataclass
class Variable:
    name: str
    kind: str = "text"
    default: str = "unset"
    minimum: str | None = None
    modules: set[str] = dataclasses.field(default_factory=set)


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts)


def _namespace(module: str, tree: ast.Module) -> dict[str, Any]:
    """The module's globals and every name it imports, also inside functions (the CLI
    imports its library when a command runs)."""
    namespace = dict(vars(importlib.import_module(module)))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            source = importlib.import_module(node.module)
            for alias in node.names:
                if hasattr(source, alias.name):
                    namespace.setdefault(alias.asname or alias.name, getattr(source, alias.name))
    return namespace


def _value(node: ast.expr, module: str, tree: ast.Module) -> str:
    """The default as the code computes it: a literal, else evaluated in its module."""
    try:
        value = ast.literal_eval(node)
    except ValueError:
        namespace = _namespace(module, tree)
        source = ast.unparse(node)
        try:
            value = eval(source, dict(namespace))
        except Exception as exc:  # an expression of local names: say which
            raise DocsDrift(f"{module}: default {source!r} cannot be evaluated ({exc})") from None
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "" or value is None:
        return "unset"
    return str(value)


def _reader_call(
    node: ast.Call, core: bool
) -> tuple[str, str, list[ast.expr], dict[str, ast.expr]] | None:
    """(kind, name, other positional args, keywords) of a settings read, else None;
    ``core``: config.py, whose own readers take the environment first."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    kind = _SETTINGS_READERS.get(name)
    args = list(node.args)
    if kind is None and core and name in _CORE_READERS:
        kind, args = _CORE_READERS[name], args[1:]  # _int(env, "NAME", ...)
    if kind is None or not args or not isinstance(args[0], ast.Constant):
        return None
    if not isinstance(args[0].value, str):
        return None
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    return kind, args[0].value, args[1:], keywords


def _scan_file(path: Path, found: dict[str, Variable]) -> None:
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    core = path == PACKAGE / "config.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (read := _reader_call(node, core)):
            kind, name, rest, keywords = read
            var = found.setdefault(name, Variable(name))
            var.kind, var.modules = kind, var.modules | {module}
            default = rest[0] if rest else keywords.get("default")
            if default is not None:
                var.default = _value(default, module, tree)
            minimum = rest[1] if len(rest) > 1 else keywords.get("minimum")
            if minimum is not None:
                var.minimum = _value(minimum, module, tree)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if _PERFKIT_NAME.fullmatch(text) or (core and re.fullmatch(r"[A-Z][A-Z_]*[A-Z]", text)):
                name = text + "<NAMESPACE>" if text.endswith("_") else text
                found.setdefault(name, Variable(name)).modules.add(module)


def scan() -> dict[str, Variable]:
    """Every variable the package reads, by name."""
    found: dict[str, Variable] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] in _SKIPPED:
            continue
        _scan_file(path, found)
    return found


def meanings() -> dict[str, Any]:
    with MEANINGS.open("rb") as handle:
        return tomllib.load(handle)


def _checked() -> tuple[dict[str, Variable], dict[str, Any]]:
    variables, written = scan(), meanings()
    env = written["env"]
    missing = sorted(set(variables) - set(env))
    stale = sorted(set(env) - set(variables))
    if missing or stale:
        raise DocsDrift(
            "settings_meanings.toml and the code disagree: "
            + (f"read by the code, no meaning written: {', '.join(missing)}. " if missing else "")
            + (f"written, no longer read: {', '.join(stale)}." if stale else "")
        )
    return variables, written


def env_reference() -> str:
    """Markdown tables of every environment variable, grouped as the meanings file says."""
    variables, written = _checked()
    lines: list[str] = []
    for group in written["groups"]:
        lines += [f"### {group['title']}", "", group.get("text", "").strip(), ""]
        lines += ["| variable | type | default | meaning |", "|---|---|---|---|"]
        for name, entry in written["env"].items():
            if entry["group"] != group["key"] or entry.get("internal"):
                continue
            var = variables[name]
            default = entry.get("default_text") or f"`{var.default}`"
            if var.default == "unset" and not entry.get("default_text"):
                default = "unset"
            kind = var.kind + (f", >= {var.minimum}" if var.minimum is not None else "")
            lines.append(f"| `{name}` | {kind} | {cell(default)} | {cell(entry['meaning'])} |")
        lines.append("")
    internal = [n for n, e in written["env"].items() if e.get("internal")]
    if internal:
        lines += ["Set by perfkit for its own child processes, never by you: "
                  + ", ".join(f"`{n}`" for n in internal) + ".", ""]  # fmt: skip
    return "\n".join(lines)


def toml_reference() -> str:
    """Markdown table of every ``perfkit.toml`` key: the keys `perfkit.project` accepts."""
    project = importlib.import_module("perfkit.project")
    written = meanings()["toml"]
    keys = sorted(project._KNOWN_KEYS - {"history"})
    history = [f.name for f in dataclasses.fields(project.HistorySettings)]
    wanted = [*keys, *(f"history.{k}" for k in history)]
    missing = sorted(set(wanted) - set(written))
    stale = sorted(set(written) - set(wanted))
    if missing or stale:
        raise DocsDrift(f"perfkit.toml keys: no meaning for {missing}, no such key {stale}")
    lines = ["| key | default | meaning |", "|---|---|---|"]
    defaults = {f"history.{f.name}": f.default for f in dataclasses.fields(project.HistorySettings)}
    for key in wanted:
        value = defaults.get(key)
        default = written[key].get("default_text") or ("" if value is None else f"`{value}`")
        lines.append(f"| `{key}` | {cell(default)} | {cell(written[key]['meaning'])} |")
    return "\n".join(lines) + "\n"
