"""The documentation site builds strictly and every page opens in headless Chromium
(Debian's chromium, driven by Playwright as `perfkit.reports.browser` does) without a
console error, a failed request or a request to anything but the site itself.

The site is served over HTTP on loopback, as a reader's `mkdocs serve` or a web server
would: its search loads its index with a request that browsers refuse on ``file://``.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from perfkit.errors import InputError
from perfkit.reports.browser import CHROMIUM_ARGS, require_browser

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page, Request

REPO = Path(__file__).resolve().parents[2]

# the built site is shared by both tests: on one xdist worker, built once
pytestmark = [pytest.mark.slow, pytest.mark.docs, pytest.mark.xdist_group("docs-site")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-4000:]
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_site_has_every_section(site: Path) -> None:
    for page in ("index.html", "tutorials/first-load-run.html", "how-to/redis-outages.html",
                 "reference/cli.html", "reference/configuration.html",
                 "reference/api/ratelimit.html", "explanation/algorithms.html",
                 "benchmarks/index.html"):  # fmt: skip
        assert (site / page).is_file(), page
    cli = (site / "reference" / "cli.html").read_text()
    assert "perfkit history push" in cli and "--base-target" in cli
    api = (site / "reference" / "api" / "ratelimit.html").read_text()
    assert "AsyncRateLimiter" in api and "hit" in api


def _watch(page: Page, name: str, served: str, problems: list[str]) -> None:
    """Record on ``problems`` what a reader would see go wrong on ``page``."""

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"{name}: console: {message.text}")

    def request(sent: Request) -> None:
        if not sent.url.startswith((served, "data:")):
            problems.append(f"{name}: request outside the site: {sent.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"{name}: uncaught {error}"))
    page.on("requestfailed", lambda failed: problems.append(f"{name}: failed: {failed.url}"))
    page.on("request", request)


def test_every_page_opens_in_chromium_without_errors(site: Path, served: str) -> None:
    try:
        chromium = require_browser()
    except InputError as exc:
        pytest.skip(str(exc))
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  (the browser extra)

    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            for name in pages:
                page = browser.new_page()
                _watch(page, name, served, problems)
                response = page.goto(f"{served}/{name}", wait_until="networkidle")
                assert response is not None and response.ok, name
                assert page.locator("h1").count() >= 1, f"{name} has no title"
                page.close()
        finally:
            browser.close()
    assert not problems, "\n".join(problems[:30])
