"""git itself, in a scratch repository of its own: fetch a branch, read its files, commit on
top of it and push, without touching the project's checkout, index or refs.

Every git call runs with ``GIT_TERMINAL_PROMPT=0`` (a CI job must fail, not wait for a
password) and its failures become `InputError` with one line: git's last line of stderr,
credentials in URLs masked.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from perfkit.errors import InputError

_REMOTE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:")
_CREDENTIALS = re.compile(r"(://)[^/@\s]+@")
# what git says when a push lost a race: someone else moved the branch first
_LOST_RACE = ("[rejected]", "non-fast-forward", "fetch first", "cannot lock ref",
              "failed to update ref", "[remote rejected]")  # fmt: skip
_IDENTITY = {
    "GIT_AUTHOR_NAME": "perfkit",
    "GIT_AUTHOR_EMAIL": "perfkit@localhost",
    "GIT_COMMITTER_NAME": "perfkit",
    "GIT_COMMITTER_EMAIL": "perfkit@localhost",
}


def redact(text: str) -> str:
    """``https://user:token@host`` -> ``https://***@host``."""
    return _CREDENTIALS.sub(r"\1***@", text)


class PushRejected(InputError):
    """The remote branch moved since it was fetched; fetch again and retry."""


def resolve_remote(remote: str, project: Path) -> str:
    """A remote name of the project's repository (``origin``) -> its URL; a URL or an scp-like
    ``user@host:path`` as given; anything else is a path, made absolute."""
    if "://" in remote or _SCP_LIKE.match(remote):
        return remote
    if _REMOTE_NAME.fullmatch(remote) and not (project / remote).exists():
        found = subprocess.run(["git", "-C", str(project), "remote", "get-url", remote],
                               capture_output=True, text=True)  # fmt: skip
        if found.returncode != 0:
            raise InputError(f"{remote!r} is not a remote of {project} nor a path or URL")
        url = found.stdout.strip()
        is_path = "://" not in url and not _SCP_LIKE.match(url)
        return str((project / url).resolve()) if is_path else url
    return str((project / remote).resolve())


class ScratchRepo:
    """A bare repository in a temporary folder; `open` creates and removes it."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self._env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **_IDENTITY,
                     "GIT_INDEX_FILE": str(git_dir / "perfkit-index")}  # fmt: skip

    @classmethod
    @contextmanager
    def open(cls) -> Iterator[ScratchRepo]:
        with tempfile.TemporaryDirectory(prefix="perfkit-history-") as folder:
            repo = cls(Path(folder))
            repo.run("init", "-q", "--bare")
            yield repo

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        """git's stdout; `InputError` with git's last line of stderr when it fails."""
        done = subprocess.run(["git", f"--git-dir={self.git_dir}", *args], input=stdin,
                              capture_output=True, env=self._env, timeout=300)  # fmt: skip
        if done.returncode != 0:
            lines = done.stderr.decode(errors="replace").strip().splitlines() or ["failed"]
            message = redact(f"git {args[0]}: {lines[-1]}")
            if args[0] == "push" and any(m in done.stderr.decode() for m in _LOST_RACE):
                raise PushRejected(message)
            raise InputError(message)
        return done.stdout

    def remote_head(self, url: str, branch: str) -> str | None:
        """The commit the remote's branch points at; None when it has no such branch."""
        try:
            out = self.run("ls-remote", "--heads", url, f"refs/heads/{branch}").decode()
        except InputError as exc:
            raise InputError(f"cannot reach {redact(url)}: {exc}") from None
        return out.split()[0] if out.strip() else None

    def fetch(self, url: str, branch: str) -> str | None:
        """Fetch the branch (all of it: it is small); its commit, or None when absent."""
        if self.remote_head(url, branch) is None:
            return None
        self.run("fetch", "-q", "--no-tags", url, f"+refs/heads/{branch}:refs/fetched")
        return self.run("rev-parse", "refs/fetched").decode().strip()

    def names(self, commit: str, folder: str) -> list[str]:
        """The entries of ``folder`` in the commit's tree (files and folders)."""
        out = self.run("ls-tree", "--name-only", f"{commit}:{folder}") if folder else b""
        return out.decode().splitlines()

    def has(self, commit: str, path: str) -> bool:
        try:
            self.run("cat-file", "-e", f"{commit}:{path}")
        except InputError:
            return False
        return True

    def read(self, specs: Sequence[str]) -> list[bytes]:
        """The contents of ``commit:path`` objects, in one ``cat-file --batch``."""
        if not specs:
            return []
        out = self.run("cat-file", "--batch", stdin="".join(f"{s}\n" for s in specs).encode())
        blobs, at = [], 0
        for spec in specs:
            header_end = out.index(b"\n", at)
            header = out[at:header_end].decode().split()
            if len(header) != 3:  # "<spec> missing"
                raise InputError(f"{spec} is missing from the history branch")
            size = int(header[2])
            blobs.append(out[header_end + 1 : header_end + 1 + size])
            at = header_end + 1 + size + 1
        return blobs

    def commit(
        self, parent: str | None, add: dict[str, bytes], remove: Sequence[str], message: str
    ) -> str:
        """A commit of ``parent``'s tree (or an empty one) plus ``add`` minus ``remove``."""
        self.run("read-tree", *([parent] if parent else ["--empty"]))
        entries = []
        for path, data in add.items():
            blob = self.run("hash-object", "-w", "--stdin", stdin=data).decode().strip()
            entries.append(f"100644 {blob}\t{path}\n")
        entries += [f"0 {'0' * 40}\t{path}\n" for path in remove]
        self.run("update-index", "--index-info", stdin="".join(entries).encode())
        tree = self.run("write-tree").decode().strip()
        parents = ["-p", parent] if parent else []
        return self.run("commit-tree", tree, *parents, "-m", message).decode().strip()

    def push(self, url: str, commit: str, branch: str) -> None:
        """Fast-forward only; `PushRejected` when the branch moved meanwhile."""
        self.run("push", "-q", url, f"{commit}:refs/heads/{branch}")
