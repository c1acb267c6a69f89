"""The dashboard states what the analysis decided, on real recorded runs, never joins runs
of another target into an endpoint's trend, and draws a regressed route's flame graph."""

from __future__ import annotations

import html
import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from perfkit.analysis import analytics_from_run, compare_runs, stored_run_data, write_report
from perfkit.analysis.indexed import full_run
from perfkit.reports import headline
from perfkit.reports.dashboard import gather
from perfkit.reports.dashboard_page import render
from perfkit.reports.selection import open_history, select_pair, short_commit
from tests.profiling.profiled_runs import ADDED, READS_THE_PROFILED_PAIR, ROUTE, copy_pair

DATA = Path(__file__).resolve().parents[1] / "analysis" / "data"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_dashboard_shows_compare_verdict_health_and_one_target_per_trend(tmp_path: Path) -> None:
    history = tmp_path / "history"
    shutil.copytree(DATA, history)
    oldest = sorted(history.glob("baseline-2*.json"))[0]
    relabelled = orjson.loads(oldest.read_bytes())
    relabelled["target"] = "another-app"  # measured elsewhere: never on the same line
    oldest.write_bytes(orjson.dumps(relabelled))
    pair = select_pair(open_history([history]), "previous", "latest")
    base, candidate = full_run(pair.base), full_run(pair.candidate)
    expected = compare_runs(stored_run_data(base), stored_run_data(candidate), force=True)
    report = analytics_from_run(stored_run_data(candidate), now=NOW)
    write_report(report, tmp_path / "reports" / "mcp-analytics", now=NOW)

    state = gather(tmp_path / "reports", [history])

    commits = tuple(short_commit(s.run.environment.git_commit) for s in (base, candidate))
    assert state.comparison == headline.comparison(expected, commits)  # compare's, restated
    assert state.comparison.verdict.startswith("REGRESSED") == expected.regressed
    score = report["sections"]["executive_summary"]["health_score"]
    assert state.health is not None and state.health.verdict.startswith(f"Health {score}/100")
    assert state.smoke == headline.baseline(candidate.run)
    overall = next(s for s in state.trends if s.endpoint == "overall")
    assert len(overall.times) == 2  # the two runs of the candidate's target, not the third
    assert overall.p95_ms[-1] == candidate.run.overall.latency.p95_ms
    assert {s.endpoint for s in state.trends} == {
        "overall",
        *(e.name for e in candidate.run.endpoints),
    }
    page = render(state, [], [], [], NOW)
    assert page.count("<svg") == len(state.trends) and "<script" not in page
    assert page.count('class="perfkit-headline"') == 3


def test_a_folder_without_runs_or_reports_says_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    state = gather(tmp_path / "reports", [tmp_path / "empty"])
    assert state.health is None and state.comparison is None and state.smoke is None
    assert any("no analytics report" in m for m in state.missing)
    assert any("no runs found" in m for m in state.missing)
    assert "Not shown" in render(state, [], [], [], NOW)


def test_commits_are_named_by_short_sha_with_uncommitted_changes_marked() -> None:
    assert short_commit("9990fded233fc0bb665b55aed48821131991fa4e+dirty") == "9990fde+dirty"
    assert short_commit("7e4b2699c927be716233f49955a046d2bd4b37f5") == "7e4b269"
    assert short_commit(None) == "unknown"


@READS_THE_PROFILED_PAIR
@pytest.mark.slow
def test_a_regression_with_kept_profiles_shows_its_flame_graph_inline(
    tmp_path: Path, profiled_pair: tuple[Path, Path]
) -> None:
    copy_pair(profiled_pair, tmp_path / "runs")
    state = gather(tmp_path / "reports", [tmp_path / "runs"])
    assert state.comparison is not None and state.comparison.verdict.startswith("REGRESSED")
    (flame,) = state.flamegraphs
    assert (flame.endpoint, flame.route) == ("work", ROUTE)
    assert flame.diff.top is not None and flame.diff.top.frame == ADDED
    page = render(state, [], [], [], NOW)
    assert page.count("<svg") == len(state.trends) + 1
    assert html.escape(flame.summary()) in page and f"<title>{ADDED}: base" in page
    assert "<script" not in page and "href" not in flame.svg()  # nothing fetched

    for kept in tmp_path.glob("runs/*.profile.json.gz"):
        kept.unlink()
    bare = gather(tmp_path / "reports", [tmp_path / "runs"])
    assert bare.flamegraphs == [] and "regressed routes" not in render(bare, [], [], [], NOW)
