"""The per-request difference and the frame it names (pure, on profiles written out)."""

from __future__ import annotations

from pathlib import Path

from perfkit.profiling.diff import diff_route
from perfkit.profiling.profile import ProfileSet, RouteProfile

ROUTE = "mw;app.work"


def test_normalised_per_request_and_names_the_added_function() -> None:
    # base: 100 requests, 2 ms each in work/spin; head: 50 requests, 2 ms spin + 1.6 ms
    # checksum, with the shares a few tenths off as sampling leaves them
    base = RouteProfile(100, {f"{ROUTE};app.spin": 90, ROUTE: 10}, cpu_us=200_000)
    head = RouteProfile(50, {f"{ROUTE};app.spin": 50, f"{ROUTE};app.checksum": 38, ROUTE: 12},
                        cpu_us=50 * 3_900)  # fmt: skip
    diff = diff_route("GET /work", base, head)
    assert round(diff.base_ms, 3) == 2.0 and round(diff.head_ms, 3) == 3.9
    assert diff.top is not None and diff.top.frame == "app.checksum"
    assert diff.summary().startswith("GET /work +1.90 ms CPU per request, 1.48 ms of it in")


def test_a_faster_route_names_what_lost_time() -> None:
    base = RouteProfile(10, {f"{ROUTE};app.slow": 80, ROUTE: 20}, cpu_us=40_000)
    head = RouteProfile(10, {f"{ROUTE};app.slow": 10, ROUTE: 20}, cpu_us=12_000)
    diff = diff_route("GET /work", base, head)
    assert diff.change_ms < 0 and diff.top is not None and diff.top.frame == "app.slow"


def test_the_file_round_trips_and_merges(tmp_path: Path) -> None:
    one = ProfileSet(4.0, {"GET /a": RouteProfile(2, {"x": 3}, 500)}, 7, 10)
    path = one.write(tmp_path / "run.profile.json.gz")
    two = ProfileSet.read(path)
    assert two == one
    two.merge(one)
    assert two.routes["GET /a"] == RouteProfile(4, {"x": 6}, 1000) and two.samples == 20
    assert one.folded() == "GET /a;x 3\n"
