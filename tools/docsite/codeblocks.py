"""The code blocks of a documentation page, as the docs test runs them.

The convention (docs/contributing/index.md):

- a fenced ``python`` block is a script, run on its own with the venv's Python;
- a fenced ``console`` block is commands: each line starting with ``$ `` runs in bash,
  in order, in one shell (other lines are output and are not run); each command must
  exit 0, a command ending in ``&`` runs in the background and is stopped when the
  block ends;
- ``<!-- docs-test: skip (why) -->`` on the line before a block leaves it out, saying why;
- ``<!-- docs-test: exit 0 1 (why) -->`` before a console block allows those exit codes;
- ``<!-- docs-test: file NAME -->`` before a block of any language writes it to NAME in the
  page's folder instead of running it;
- blocks of other languages (toml, yaml, json, text, bash) are shown, never run.

All blocks of one page share one temporary folder and run top to bottom, as a reader
would follow them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

RUNNABLE = ("python", "console")
_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")
_DIRECTIVE = re.compile(r"^\s*<!-- docs-test: (?P<what>skip|exit|file)\b(?P<rest>.*?)-->\s*$")


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip: str | None = None  # the reason given
    exit_codes: tuple[int, ...] = (0,)
    file: str | None = None

    @property
    def runnable(self) -> bool:
        return self.lang in RUNNABLE and self.skip is None and self.file is None

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"


@dataclass
class _Pending:
    skip: str | None = None
    exit_codes: tuple[int, ...] = (0,)
    file: str | None = None
    set_at: int = field(default=-1)


def _apply(pending: _Pending, what: str, rest: str, page: Path, number: int) -> None:
    rest = rest.strip()
    if what == "skip":
        reason = rest.strip("() ")
        if not reason:
            raise ValueError(f"{page}:{number}: docs-test skip needs a reason")
        pending.skip = reason
    elif what == "exit":
        codes = re.match(r"^([\d ]+)", rest)
        if not codes:
            raise ValueError(f"{page}:{number}: docs-test exit needs exit codes")
        pending.exit_codes = tuple(int(c) for c in codes.group(1).split())
    else:
        pending.file = rest.split()[0] if rest else None
        if not pending.file:
            raise ValueError(f"{page}:{number}: docs-test file needs a file name")
    pending.set_at = number


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, with the directive given just before it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    pending = _Pending()
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.match(line)
        fence = _FENCE.match(line)
        if directive:
            _apply(pending, directive["what"], directive["rest"], page, i + 1)
        elif fence:
            indent, start = len(fence["indent"]), i
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i][indent:])
                i += 1
            if pending.set_at != start:  # a directive counts on the line before only
                pending = _Pending()
            code = "\n".join(body) + "\n"
            found.append(Block(page, start + 1, fence["lang"], code, pending.skip,
                               pending.exit_codes, pending.file))  # fmt: skip
            pending = _Pending()
        elif line.strip():
            pending = _Pending()
        i += 1
    return found


def commands(block: Block) -> list[str]:
    """The commands of a console block: its ``$ `` lines."""
    return [line[2:] for line in block.code.splitlines() if line.startswith("$ ")]


def shell_script(block: Block) -> str:
    """Bash that runs the block's commands in order and stops at the first whose exit
    code is not allowed, naming it."""
    allowed = " ".join(str(c) for c in block.exit_codes)
    out = ["set -u"]
    for number, command in enumerate(commands(block), 1):
        if command.rstrip().endswith("&"):
            out.append(command)
            continue
        quoted = command.replace("'", "'\\''")
        out += [
            command,
            "rc=$?",
            f'case " {allowed} " in *" $rc "*) ;; '
            f"*) echo 'docs-test: command {number} exited '$rc': {quoted}' >&2; exit 97;; esac",
        ]
    return "\n".join(out) + "\n"
