"""The Run: one load run, as kept on disk (`baseline-<UTC ts>.json`).

Schema (``schema_version`` 1; JSON object, every key always present, ``null`` where noted)::

    schema_version   int, 1
    kind             "baseline" | "smoke" | "ab" (one build of a `perfkit ab` duet; `latest`,
                     `trends` and the history gate read baselines only, so these stay apart)
    run_id           str, unique ("20250101T120000Z-1a2b3c")
    started_at       str, ISO 8601 UTC ("2025-01-01T12:00:00.123456+00:00"); the measured
    finished_at      str, ISO 8601 UTC                        window, warm-up excluded
    target           str, a stable label to filter by: the URL given, or "reference-service"
    target_url       str, the base URL actually hit (the reference service gets a free port)
    scenario         str, the scenario's name
    load             LoadSettings: model ("closed" | "open"), concurrency, rate (req/s, open
                     only, else null), duration_s, requests (closed, request count, else null),
                     warmup_s, timeout_s, workers, engine ("aiohttp" | "httpx-aiohttp" | "httpx")
    environment      perfkit_version, python, implementation, platform, machine, host,
                     cpu_count, git_commit (null when unknown); git_branch, ci
                     ("github-actions" | "gitlab-ci") and ci_job_url: null when unknown,
                     absent in older files (perfkit.runs.provenance); cpu_model (str |
                     null) and testbed (the label: PERFKIT_TESTBED or the CI runner's
                     name, null when unset): absent in older files (perfkit.machine)
    generator        the load generator's own health: engine, workers, cpu_seconds,
                     cpu_utilisation (busiest worker, 0..1 of one core), send_lag_p99_ms
                     (how late sends started vs. their intended time), saturated (bool)
    overall          Stats over every measured request
    endpoints        [EndpointStats], in scenario order: name, method, path, category
                     ("health" | "api" | "critical"), stats (Stats)
    smoke            SmokeVerdict or null: passed, criteria [name, measured, limit, unit,
                     passed, detail]
    server           {"before": obj | null, "after": obj | null}: GET /api/performance;
                     "cache": GET /api/cache/stats and "redis": GET /api/redis/health after
                     the run (obj | null; optional keys, absent in older files)
    health           obj | null: the health score slot, {"score": 0..100, ...} filled by
                     perfkit.analysis
    samples          SamplesRef or null: path (file name beside the JSON), format
                     ("parquet"), rows
    warnings         [str]: e.g. the generator was saturated
    trials           [Trial] (optional key; absent or [] for a single run): a repeated run
                     (``--repeat N``) keeps each trial apart: started_at, finished_at,
                     overall and endpoints ({name: TrialStats}); TrialStats is count,
                     errors, throughput_rps, latency. The run's own stats merge all trials.
    session          str | null (optional key): runs recorded as interleaved trials of one
                     session (``--base-target``) share it; their trials are paired.
    source           RunSource: tool ("perfkit" | "k6" | "locust" | "wrk" | "wrk2" |
                     "jmeter"), mode ("recorded": a perfkit run drove the tool; "imported":
                     `perfkit import` read the tool's files), files ([file names] read)
    precision        "per-request" (every request's timing seen: histograms exact to 3
                     digits, samples when kept) | "histogram" (a full latency distribution,
                     no per-request data) | "summary" (only the figures the tool printed:
                     histogram "" and the statistics it lacks null)
                     Both keys are optional on read: files written before them are runs of
                     perfkit's own runner ("perfkit", "recorded", "per-request").

Stats: count (measured requests), ok, errors, errors_by_class ({"timeout" | "connect" |
"429" | "4xx" | "5xx" | "unexpected" | "protocol": n}), status_counts ({"200": n}; transport
failures have no status), throughput_rps (count / measured seconds), latency (min_ms,
mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms; all null when no request got
a response) and histogram: an HdrHistogram of latency in microseconds (1 us .. 60 s, 3
significant digits), base64-compressed as `hdrh` encodes it, so runs and workers merge
exactly (`perfkit.runs.histogram.merge`).

Latency is measured from the *intended* send time in the open model (a stalled server
delays every later request and that delay is counted: no coordinated omission) and from
the actual send time in the closed model. Only requests that got an HTTP response are in
the latency figures; timeouts and connection failures are counted in ``errors`` only.

Samples (one row per measured request, in a Parquet file beside the JSON): t_intended and
t_start (seconds since the measured window began), latency_ms, endpoint, status (0 when no
response), error_class (null when ok), worker.

A summary-only run (precision "summary") has an empty ``histogram`` and null in every
latency figure its tool did not report; nothing is interpolated.

`Run.from_dict` validates the shape and raises `RunFormatError` naming the first bad field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from perfkit.runs.validate import JSON, Reader, RunFormatError

__all__ = [
    "CATEGORIES", "ERROR_CLASSES", "JSON", "PRECISIONS", "SCHEMA_VERSION", "TOOLS", "Criterion",
    "EndpointStats", "Environment", "GeneratorStats", "LatencyStats", "LoadSettings",
    "Precision", "Run", "RunFormatError", "RunSource", "SamplesRef", "SmokeVerdict", "Stats",
    "Trial", "TrialStats",
]  # fmt: skip

SCHEMA_VERSION = 1
ERROR_CLASSES = ("timeout", "connect", "429", "4xx", "5xx", "unexpected", "protocol")
CATEGORIES = ("health", "api", "critical")
TOOLS = ("perfkit", "k6", "locust", "wrk", "wrk2", "jmeter")
PRECISIONS = ("per-request", "histogram", "summary")
Model = Literal["closed", "open"]
Kind = Literal["baseline", "smoke", "ab"]
KINDS: tuple[Kind, ...] = ("baseline", "smoke", "ab")
Precision = Literal["per-request", "histogram", "summary"]
_TOOL_NAMES = {"locust": "Locust", "jmeter": "JMeter"}


@dataclass(frozen=True)
class LatencyStats:
    """Latency percentiles in milliseconds; all None when nothing got a response."""

    min_ms: float | None = None
    mean_ms: float | None = None
    p50_ms: float | None = None
    p90_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    p999_ms: float | None = None
    max_ms: float | None = None

    def to_dict(self) -> JSON:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, r: Reader) -> LatencyStats:
        return cls(**{name: r.opt_number(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Stats:
    """Counts, error classes, throughput and latency of a set of measured requests."""

    count: int
    ok: int
    errors: int
    errors_by_class: dict[str, int]
    status_counts: dict[str, int]
    throughput_rps: float
    latency: LatencyStats
    histogram: str

    @property
    def error_rate(self) -> float:
        return self.errors / self.count if self.count else 0.0

    def to_dict(self) -> JSON:
        return {**self.__dict__, "latency": self.latency.to_dict()}

    @classmethod
    def from_dict(cls, r: Reader) -> Stats:
        by_class = r.counts("errors_by_class")
        unknown = set(by_class) - set(ERROR_CLASSES)
        if unknown:
            raise RunFormatError(f"unknown error class {sorted(unknown)[0]!r}")
        return cls(
            count=r.integer("count"),
            ok=r.integer("ok"),
            errors=r.integer("errors"),
            errors_by_class=by_class,
            status_counts=r.counts("status_counts"),
            throughput_rps=r.number("throughput_rps"),
            latency=LatencyStats.from_dict(r.obj("latency")),
            histogram=r.text("histogram"),
        )


@dataclass(frozen=True)
class EndpointStats:
    name: str
    method: str
    path: str
    category: str
    stats: Stats

    def to_dict(self) -> JSON:
        return {**self.__dict__, "stats": self.stats.to_dict()}

    @classmethod
    def from_dict(cls, r: Reader) -> EndpointStats:
        return cls(
            name=r.text("name"),
            method=r.text("method"),
            path=r.text("path"),
            category=r.choice("category", CATEGORIES),
            stats=Stats.from_dict(r.obj("stats")),
        )


@dataclass(frozen=True)
class LoadSettings:
    model: Model
    concurrency: int
    rate: float | None
    duration_s: float | None
    requests: int | None
    warmup_s: float
    timeout_s: float
    workers: int
    engine: str

    def to_dict(self) -> JSON:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, r: Reader) -> LoadSettings:
        model: Model = "open" if r.choice("model", ("closed", "open")) == "open" else "closed"
        return cls(
            model=model,
            concurrency=r.integer("concurrency"),
            rate=r.opt_number("rate"),
            duration_s=r.opt_number("duration_s"),
            requests=r.opt_integer("requests"),
            warmup_s=r.number("warmup_s"),
            timeout_s=r.number("timeout_s"),
            workers=r.integer("workers"),
            engine=r.text("engine"),
        )


@dataclass(frozen=True)
class Environment:
    perfkit_version: str
    python: str
    implementation: str
    platform: str
    machine: str
    host: str
    cpu_count: int
    git_commit: str | None
    git_branch: str | None = None
    ci: str | None = None
    ci_job_url: str | None = None
    cpu_model: str | None = None
    testbed: str | None = None

    def to_dict(self) -> JSON:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, r: Reader) -> Environment:
        return cls(
            perfkit_version=r.text("perfkit_version"),
            python=r.text("python"),
            implementation=r.text("implementation"),
            platform=r.text("platform"),
            machine=r.text("machine"),
            host=r.text("host"),
            cpu_count=r.integer("cpu_count"),
            git_commit=r.opt_text("git_commit"),
            git_branch=r.opt_text("git_branch") if r.has("git_branch") else None,
            ci=r.opt_text("ci") if r.has("ci") else None,
            ci_job_url=r.opt_text("ci_job_url") if r.has("ci_job_url") else None,
            cpu_model=r.opt_text("cpu_model") if r.has("cpu_model") else None,
            testbed=r.opt_text("testbed") if r.has("testbed") else None,
        )


@dataclass(frozen=True)
class GeneratorStats:
    """How hard the load generator itself worked; `saturated` means: distrust latency."""

    engine: str
    workers: int
    cpu_seconds: float
    cpu_utilisation: float
    send_lag_p99_ms: float
    saturated: bool

    def to_dict(self) -> JSON:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, r: Reader) -> GeneratorStats:
        return cls(
            engine=r.text("engine"),
            workers=r.integer("workers"),
            cpu_seconds=r.number("cpu_seconds"),
            cpu_utilisation=r.number("cpu_utilisation"),
            send_lag_p99_ms=r.number("send_lag_p99_ms"),
            saturated=r.flag("saturated"),
        )


@dataclass(frozen=True)
class Criterion:
    """One smoke criterion: passes when `measured` <= `limit`."""

    name: str
    measured: float
    limit: float
    unit: str
    passed: bool
    detail: str = ""

    def to_dict(self) -> JSON:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, r: Reader) -> Criterion:
        return cls(
            name=r.text("name"),
            measured=r.number("measured"),
            limit=r.number("limit"),
            unit=r.text("unit"),
            passed=r.flag("passed"),
            detail=r.text("detail"),
        )


@dataclass(frozen=True)
class SmokeVerdict:
    passed: bool
    criteria: list[Criterion]

    def to_dict(self) -> JSON:
        return {"passed": self.passed, "criteria": [c.to_dict() for c in self.criteria]}

    @classmethod
    def from_dict(cls, r: Reader) -> SmokeVerdict:
        return cls(
            passed=r.flag("passed"),
            criteria=[Criterion.from_dict(c) for c in r.items("criteria")],
        )


@dataclass(frozen=True)
class SamplesRef:
    """Where the per-request samples are: a file name relative to the run's JSON."""

    path: str
    format: str
    rows: int

    def to_dict(self) -> JSON:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, r: Reader) -> SamplesRef:
        return cls(
            path=r.text("path"), format=r.choice("format", ("parquet",)), rows=r.integer("rows")
        )


@dataclass(frozen=True)
class TrialStats:
    """What one trial of a repeated run keeps of an endpoint: counts and latency figures."""

    count: int
    errors: int
    throughput_rps: float
    latency: LatencyStats

    def to_dict(self) -> JSON:
        return {**self.__dict__, "latency": self.latency.to_dict()}

    @classmethod
    def from_stats(cls, stats: Stats) -> TrialStats:
        return cls(stats.count, stats.errors, stats.throughput_rps, stats.latency)

    @classmethod
    def from_dict(cls, r: Reader) -> TrialStats:
        return cls(
            count=r.integer("count"),
            errors=r.integer("errors"),
            throughput_rps=r.number("throughput_rps"),
            latency=LatencyStats.from_dict(r.obj("latency")),
        )


@dataclass(frozen=True)
class Trial:
    """One trial of a repeated run, kept apart so the verdict sees the spread between runs."""

    started_at: datetime
    finished_at: datetime
    overall: TrialStats
    endpoints: dict[str, TrialStats]

    def to_dict(self) -> JSON:
        return {
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "overall": self.overall.to_dict(),
            "endpoints": {k: v.to_dict() for k, v in self.endpoints.items()},
        }

    @classmethod
    def from_dict(cls, r: Reader) -> Trial:
        endpoints = r.obj("endpoints")
        return cls(
            started_at=r.time("started_at"),
            finished_at=r.time("finished_at"),
            overall=TrialStats.from_dict(r.obj("overall")),
            endpoints={k: TrialStats.from_dict(endpoints.obj(k)) for k in endpoints.keys()},  # noqa: SIM118
        )


@dataclass(frozen=True)
class RunSource:
    """Which tool measured the run, and whether perfkit drove it or imported its files."""

    tool: str = "perfkit"
    mode: Literal["recorded", "imported"] = "recorded"
    files: tuple[str, ...] = ()

    @property
    def tool_name(self) -> str:
        return _TOOL_NAMES.get(self.tool, self.tool)

    def to_dict(self) -> JSON:
        return {"tool": self.tool, "mode": self.mode, "files": list(self.files)}

    @classmethod
    def from_dict(cls, r: Reader) -> RunSource:
        files = r.raw("files")
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise RunFormatError("field 'source.files' must be a list of strings")
        mode = r.choice("mode", ("recorded", "imported"))
        return cls(
            tool=r.choice("tool", TOOLS),
            mode="imported" if mode == "imported" else "recorded",
            files=tuple(files),
        )


@dataclass(frozen=True)
class Run:
    run_id: str
    kind: Kind
    started_at: datetime
    finished_at: datetime
    target: str
    target_url: str
    scenario: str
    load: LoadSettings
    environment: Environment
    generator: GeneratorStats
    overall: Stats
    endpoints: list[EndpointStats]
    smoke: SmokeVerdict | None = None
    server_before: JSON | None = None
    server_after: JSON | None = None
    server_cache: JSON | None = None
    server_redis: JSON | None = None
    health: JSON | None = None
    samples: SamplesRef | None = None
    warnings: list[str] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    session: str | None = None
    source: RunSource = field(default_factory=RunSource)
    precision: Precision = "per-request"

    @property
    def duration_s(self) -> float:
        """Measured seconds: the trials' own when the run has any (interleaved trials of
        other builds fall between them), else the span from start to finish."""
        if self.trials:
            return sum((t.finished_at - t.started_at).total_seconds() for t in self.trials)
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def origin(self) -> str:
        """How statistics missing from this run are explained: "a Locust summary"."""
        if self.precision == "summary":
            return f"a {self.source.tool_name} summary"
        if self.precision == "histogram":
            return f"a {self.source.tool_name} histogram"
        return f"{self.source.tool_name} per-request timings"

    @property
    def health_score(self) -> float | None:
        score = (self.health or {}).get("score")
        return float(score) if isinstance(score, int | float) else None

    def endpoint(self, name: str) -> EndpointStats:
        for item in self.endpoints:
            if item.name == name:
                return item
        raise KeyError(name)

    def to_dict(self) -> JSON:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "target": self.target,
            "target_url": self.target_url,
            "scenario": self.scenario,
            "load": self.load.to_dict(),
            "environment": self.environment.to_dict(),
            "generator": self.generator.to_dict(),
            "overall": self.overall.to_dict(),
            "endpoints": [e.to_dict() for e in self.endpoints],
            "smoke": None if self.smoke is None else self.smoke.to_dict(),
            "server": {
                "before": self.server_before,
                "after": self.server_after,
                "cache": self.server_cache,
                "redis": self.server_redis,
            },
            "health": self.health,
            "samples": None if self.samples is None else self.samples.to_dict(),
            "warnings": list(self.warnings),
            "trials": [t.to_dict() for t in self.trials],
            "session": self.session,
            "source": self.source.to_dict(),
            "precision": self.precision,
        }

    @classmethod
    def from_dict(cls, data: object) -> Run:
        r = Reader(data, "")
        version = r.integer("schema_version")
        if version != SCHEMA_VERSION:
            raise RunFormatError(f"schema_version {version} is not supported (expected 1)")
        kind = next(k for k in KINDS if k == r.choice("kind", KINDS))
        smoke = r.raw("smoke")
        samples = r.raw("samples")
        server = r.obj("server")
        warnings = r.raw("warnings")
        if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
            raise RunFormatError("field 'warnings' must be a list of strings")
        return cls(
            run_id=r.text("run_id"),
            kind=kind,
            started_at=r.time("started_at"),
            finished_at=r.time("finished_at"),
            target=r.text("target"),
            target_url=r.text("target_url"),
            scenario=r.text("scenario"),
            load=LoadSettings.from_dict(r.obj("load")),
            environment=Environment.from_dict(r.obj("environment")),
            generator=GeneratorStats.from_dict(r.obj("generator")),
            overall=Stats.from_dict(r.obj("overall")),
            endpoints=[EndpointStats.from_dict(e) for e in r.items("endpoints")],
            smoke=None if smoke is None else SmokeVerdict.from_dict(r.obj("smoke")),
            server_before=server.opt_obj("before"),
            server_after=server.opt_obj("after"),
            server_cache=server.opt_obj("cache") if server.has("cache") else None,
            server_redis=server.opt_obj("redis") if server.has("redis") else None,
            health=r.opt_obj("health"),
            samples=None if samples is None else SamplesRef.from_dict(r.obj("samples")),
            warnings=list(warnings),
            trials=[Trial.from_dict(t) for t in r.items("trials")] if r.has("trials") else [],
            session=r.opt_text("session") if r.has("session") else None,
            source=RunSource.from_dict(r.obj("source")) if r.has("source") else RunSource(),
            precision=_precision(r.choice("precision", PRECISIONS))
            if r.has("precision")
            else "per-request",
        )


def _precision(value: str) -> Precision:
    if value == "summary":
        return "summary"
    return "histogram" if value == "histogram" else "per-request"
