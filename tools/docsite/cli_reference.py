"""The command-line reference, written from the Typer app itself (`perfkit.cli.app`).

Every command and option the CLI has appears, with its help text, type and default, in the
order the CLI lists them; nothing is typed by hand, so the page cannot fall behind the code.
Click's objects are read by their attributes: Typer ships its own copy of Click in recent
versions and uses the installed one in older ones.
"""

from __future__ import annotations

from typing import Any

import typer

from perfkit.cli import app
from tools.docsite.cells import cell

Command = Any  # a Click (or Typer's vendored Click) command, group or parameter


def _is_group(command: Command) -> bool:
    return hasattr(command, "list_commands")


def _context(command: Command, name: str | None = None) -> Any:
    return command.context_class(command, info_name=name)


def _subcommands(command: Command) -> list[tuple[str, Command]]:
    ctx = _context(command)
    found = [(name, command.get_command(ctx, name)) for name in command.list_commands(ctx)]
    return [(name, sub) for name, sub in found if sub is not None and not sub.hidden]


def _is_option(param: Command) -> bool:
    return bool(param.param_type_name == "option")


def _default(param: Command) -> str:
    if _is_option(param) and param.is_flag and not param.secondary_opts:
        return "off"
    value = param.default
    if value is None or value in ((), []):
        return ""
    if isinstance(value, bool) and _is_option(param) and param.secondary_opts:
        return str(param.opts[0] if value else param.secondary_opts[0])
    if isinstance(value, list | tuple):
        return ", ".join(f"`{v}`" for v in value)
    return f"`{value}`"


def _type(param: Command) -> str:
    if _is_option(param) and param.is_flag:
        return "flag"
    kind = getattr(param, "type", None)  # Click's ParamType
    if kind is None:  # Typer's own Click: the annotation
        annotation = param.type_descriptor.annotation
        kind_name = getattr(annotation, "__name__", str(annotation))
        return _TYPE_NAMES.get(kind_name, "text")
    if hasattr(kind, "choices"):
        return " \\| ".join(str(c) for c in kind.choices)
    return _TYPE_NAMES.get(getattr(kind, "name", "text"), "text")


_TYPE_NAMES = {"integer": "int", "int": "int", "float": "number", "path": "path",
               "Path": "path", "str": "text", "text": "text", "list": "text"}  # fmt: skip


def _param_rows(command: Command) -> list[str]:
    rows = []
    for param in command.params:
        if param.name == "help" or getattr(param, "hidden", False):
            continue
        if not _is_option(param):
            name = f"`{(param.name or '').upper()}`"
            required = "required" if param.required else "optional"
            help_text = getattr(param, "help", "") or ""
            rows.append(
                f"| {name} | argument ({required}) | {_default(param)} | {cell(help_text)} |"
            )
            continue
        names = " / ".join(f"`{o}`" for o in (*param.opts, *param.secondary_opts))
        multiple = ", repeatable" if param.multiple else ""
        rows.append(
            f"| {names} | {_type(param)}{multiple} | {_default(param)} | {cell(param.help or '')} |"
        )
    return rows


def _usage(command: Command, path: list[str]) -> str:
    pieces = command.collect_usage_pieces(_context(command, " ".join(path)))
    return " ".join([*path, *pieces])


def _section(command: Command, path: list[str], depth: int) -> list[str]:
    lines = [f"{'#' * depth} `{' '.join(path)}`", ""]
    help_text = (command.help or "").strip()
    if help_text:
        lines += [help_text.replace("\b\n", ""), ""]
    lines += ["```text", _usage(command, path), "```", ""]
    rows = _param_rows(command)
    if rows:
        lines += ["| option | type | default | meaning |", "|---|---|---|---|", *rows, ""]
    if _is_group(command):
        for name, sub in _subcommands(command):
            lines += _section(sub, [*path, name], min(depth + 1, 4))
    return lines


def cli_reference() -> str:
    """Markdown for every command of ``perfkit``, in the order ``perfkit --help`` lists them."""
    lines: list[str] = []
    for name, command in _subcommands(typer.main.get_command(app)):
        lines += _section(command, ["perfkit", name], 2)
    return "\n".join(lines)


def command_paths() -> list[list[str]]:
    """Every command as its words after ``perfkit`` (``["history", "push"]``), for tests."""
    found: list[list[str]] = []

    def walk(command: Command, path: list[str]) -> None:
        if _is_group(command):
            for name, sub in _subcommands(command):
                walk(sub, [*path, name])
        else:
            found.append(path)

    walk(typer.main.get_command(app), [])
    return found
