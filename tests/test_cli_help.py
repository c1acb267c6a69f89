"""Every command's ``--help`` shows its help text whole: rich reads ``[service]`` (a
lowercase word in square brackets) as a style tag and drops it, so a help string that
means the brackets literally must escape them (``\\[service]``)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from perfkit.cli import app

_BRACKETED = re.compile(r"\[[^\[\]]+\]")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_BOX = re.compile(r"[│╭╮╰╯─]")


def _commands() -> list[tuple[list[str], Any]]:
    """Every command and group as (its words after ``perfkit``, the Click object)."""
    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        found.append((path, command))
        if hasattr(command, "list_commands"):
            ctx = command.context_class(command, info_name="perfkit")
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def _bracketed(command: Any) -> set[str]:
    """The bracketed words of the command's own help, its parameters' help and, for a
    group, the first paragraph of each subcommand's help it lists, as they should read (an
    escaped ``\\[`` reads ``[``)."""
    texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
    if hasattr(command, "list_commands"):
        ctx = command.context_class(command, info_name="perfkit")
        subs = [command.get_command(ctx, name) for name in command.list_commands(ctx)]
        texts += [(sub.help or "").split("\n\n")[0] for sub in subs]
    return {word for text in texts for word in _BRACKETED.findall(text.replace("\\[", "["))}


def _flat(text: str) -> str:
    return " ".join(_BOX.sub(" ", _ANSI.sub("", text)).split())


COMMANDS = _commands()


def test_some_help_text_has_brackets_to_check() -> None:
    assert any("[service]" in _bracketed(command) for _, command in COMMANDS)


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "perfkit" for p, _ in COMMANDS]
)
def test_help_keeps_every_bracketed_word(path: list[str], command: Any) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "2000"})
    assert result.exit_code == 0, result.output
    shown = _flat(result.output)
    missing = sorted(word for word in _bracketed(command) if _flat(word) not in shown)
    assert "\\[" not in shown, "an escaped bracket shows its backslash"
    assert not missing, f"`{' '.join(['perfkit', *path])} --help` drops {missing}"
