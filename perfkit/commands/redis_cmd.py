"""`perfkit redis health|stats|clear`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import orjson
import typer
from rich.console import Console
from rich.table import Table

from perfkit.config import Settings
from perfkit.connection import Keyspace, RedisTarget, parse_redis_url, sync_client
from perfkit.connection import health as probe
from perfkit.embedded import redis_target
from perfkit.errors import InputError
from perfkit.keyspace_admin import clear, keyspace_stats
from perfkit.project import Project
from perfkit.serve_state import running_serve

app = typer.Typer(help="Inspect and manage perfkit's keys in Redis.", no_args_is_help=True)

JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")


@contextlib.contextmanager
def _target(settings: Settings) -> Iterator[RedisTarget]:
    """``REDIS_URL``; else the embedded Redis of a `perfkit serve` running in this project
    (said on stderr); else a throwaway embedded server."""
    serving = None if settings.redis_url else running_serve(Project.find().root)
    if serving is None:
        with redis_target(settings) as target:
            yield target
        return
    url, pid = serving
    typer.echo(f"using the embedded Redis of the running perfkit serve (pid {pid})", err=True)
    yield parse_redis_url(url)


def _print_json(data: object) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


@app.command()
def health(as_json: bool = JSON_OPTION) -> None:
    """PING round trip, server, memory and clients. Exit 0 healthy or degraded, 1 unhealthy."""
    settings = Settings.from_env()
    with _target(settings) as target:
        client = sync_client(target)
        try:
            report = probe(client)
        finally:
            client.close()
    if as_json:
        _print_json({**report.to_dict(), "url": target.redacted()})
    else:
        table = Table(title=f"Redis at {target.redacted()}", show_header=False)
        for name, value in report.to_dict().items():
            if value is not None:
                table.add_row(name, str(value))
        Console().print(table)
    if report.status == "unhealthy":
        raise typer.Exit(1)


@app.command()
def stats(as_json: bool = JSON_OPTION) -> None:
    """Keys per namespace under the prefix, memory, and hits/misses from INFO."""
    settings = Settings.from_env()
    keyspace = Keyspace(settings.redis_key_prefix)
    with _target(settings) as target:
        client = sync_client(target)
        try:
            result = keyspace_stats(client, keyspace)
        finally:
            client.close()
    if as_json:
        _print_json(result.to_dict())
        return
    table = Table(title=f"Keys under {keyspace.prefix!r}")
    table.add_column("namespace")
    table.add_column("keys", justify="right")
    for namespace, count in result.keys_by_namespace.items():
        table.add_row(namespace, str(count))
    console = Console()
    console.print(table)
    rate = "n/a" if result.hit_rate is None else f"{result.hit_rate:.1%}"
    console.print(
        f"memory {result.used_memory_human}  hits {result.keyspace_hits}  "
        f"misses {result.keyspace_misses}  hit rate {rate}"
    )


@app.command("clear")
def clear_cmd(
    namespace: str | None = typer.Option(
        None, "--namespace", "-n", help="Only this namespace (e.g. audio); default: every key."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove perfkit's keys with SCAN + UNLINK, never touching keys outside the prefix."""
    settings = Settings.from_env()
    keyspace = Keyspace(settings.redis_key_prefix)
    pattern = keyspace.pattern(namespace)
    if not yes:
        if not sys.stdin.isatty():
            raise InputError(f"refusing to clear {pattern!r} without --yes (stdin is not a tty)")
        typer.confirm(f"Remove every key matching {pattern!r}?", abort=True)
    with _target(settings) as target:
        client = sync_client(target)
        try:
            removed = clear(client, keyspace, namespace)
        finally:
            client.close()
    typer.echo(f"removed {removed} keys matching {pattern}")
