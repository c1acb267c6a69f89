"""The Chromium check sees what a reader would miss: it fails pages that fetch from the
network, log console errors, show a broken image or lack the headline."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfkit.reports.browser import check_pages, find_chromium
from perfkit.reports.headline import Headline

PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5"
           "ErkJggg==")  # fmt: skip


@pytest.fixture(autouse=True)
def _chromium() -> None:
    if find_chromium() is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it: apt-get install "
                    "chromium)")  # fmt: skip
    pytest.importorskip("playwright", reason="Playwright is the browser extra (make setup)")


def test_a_clean_page_passes_and_a_broken_one_fails_on_each_count(tmp_path: Path) -> None:
    headline = Headline("ok", "good", "detail", (("p95", "1 ms"),))._repr_html_()
    clean = tmp_path / "clean.html"
    svg = '<svg width="20" height="10"><rect width="20" height="10"/></svg>'
    clean.write_text(
        f'<html><body>{headline}<img src="data:image/png;base64,{PNG_1PX}">{svg}</body></html>'
    )
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<html><head><script src="https://cdn.invalid/require.js"></script></head><body>'
        '<img src="data:image/png;base64,AAAA"><script>console.error("boom")</script>'
        "</body></html>"
    )
    good, bad = check_pages([clean, broken], tmp_path / "shots")
    assert good.problems == [] and good.images == 2
    assert good.screenshot is not None and good.screenshot.stat().st_size > 0
    assert bad.outside_requests == ["https://cdn.invalid/require.js"]
    assert any("boom" in m for m in bad.console_errors)
    assert len(bad.broken_images) == 1 and not bad.headline
    assert len(bad.problems) >= 4
