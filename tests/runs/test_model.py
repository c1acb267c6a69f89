from __future__ import annotations

from dataclasses import replace

import orjson
import pytest

from perfkit.runs.histogram import merge
from perfkit.runs.model import Run, RunFormatError, RunSource
from tests.runs.factory import make_run


def test_run_round_trips_through_json() -> None:
    run = make_run(errors=2)
    again = Run.from_dict(orjson.loads(orjson.dumps(run.to_dict())))
    assert again == run
    assert again.overall.count == 10
    assert again.overall.errors_by_class == {"5xx": 2}
    assert again.endpoint("api").stats.status_counts == {"200": 4, "503": 2}


def test_endpoint_histograms_merge_into_the_overall_one() -> None:
    run = make_run(latencies_ms=(1.0, 5.0, 900.0))
    merged = merge([e.stats.histogram for e in run.endpoints])
    assert merged.count == run.overall.count
    assert run.overall.latency.max_ms == pytest.approx(900.0, rel=1e-3)


def test_no_response_means_no_latency_figures() -> None:
    run = make_run(latencies_ms=())
    assert run.overall.latency.p99_ms is None
    assert Run.from_dict(run.to_dict()).overall.latency.p50_ms is None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("target"), "missing field 'target'"),
        (lambda d: d.update(schema_version=99), "schema_version 99"),
        (lambda d: d["load"].update(model="burst"), "'load.model' must be one of"),
        (lambda d: d["endpoints"][1]["stats"].update(count="7"), "'endpoints[1].stats.count'"),
        (lambda d: d.update(started_at="yesterday"), "'started_at' is not an ISO 8601"),
        (lambda d: d["overall"]["errors_by_class"].update(gremlins=1), "'gremlins'"),
        (lambda d: d["source"].update(tool="ab"), "'source.tool' must be one of"),
        (lambda d: d["source"].update(files="x.json"), "'source.files' must be a list"),
        (lambda d: d.update(precision="exact"), "'precision' must be one of"),
    ],
)
def test_a_bad_field_is_named(mutate: object, message: str) -> None:
    data = make_run().to_dict()
    assert callable(mutate)
    mutate(data)
    with pytest.raises(RunFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Run.from_dict(data)


def test_not_an_object_is_refused() -> None:
    with pytest.raises(RunFormatError):
        Run.from_dict([1, 2])


def test_source_and_precision_round_trip_and_older_files_read_as_perfkit_runs() -> None:
    imported = replace(make_run(), source=RunSource("locust", "imported", ("out_stats.csv",)),
                       precision="summary")  # fmt: skip
    again = Run.from_dict(orjson.loads(orjson.dumps(imported.to_dict())))
    assert again.source == RunSource("locust", "imported", ("out_stats.csv",))
    assert again.origin == "a Locust summary"
    older = make_run().to_dict()
    del older["source"], older["precision"]
    run = Run.from_dict(older)
    assert (run.source.tool, run.source.mode, run.precision) == (
        "perfkit",
        "recorded",
        "per-request",
    )
