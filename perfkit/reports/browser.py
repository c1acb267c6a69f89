"""Open reports in headless Chromium as a reader would, and say what a reader would miss.

Each page is loaded from its file with every request that is not the page itself (or a
``data:`` URI inside it) refused and recorded: a self-contained report makes none. Then:
no console error and no uncaught exception, every ``<img>`` decoded with a non-zero size,
every inline ``<svg>`` drawn with a non-zero size, and the headline block present.
A full-page screenshot of each is kept.

Driven through Playwright's Python package over the Chrome DevTools Protocol, with the
system's Chromium (Debian's ``chromium``); Playwright never downloads a browser here.
Playwright is the optional ``browser`` extra: this module imports it only when it runs.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from perfkit.errors import InputError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Route

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
HEADLINE = ".perfkit-headline"
IMAGES_JS = """() => [...document.images].map(i => ({src: i.src.slice(0, 60), ok: i.complete
  && i.naturalWidth > 0 && i.naturalHeight > 0}))"""
SVGS_JS = """() => [...document.querySelectorAll('svg')]
  .filter(s => !s.parentElement.closest('svg'))
  .map((s, n) => ({src: 'svg #' + n, ok: s.getBoundingClientRect().width > 0
    && s.getBoundingClientRect().height > 0}))"""


@dataclass
class PageCheck:
    page: Path
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    images: int = 0
    headline: bool = False
    screenshot: Path | None = None

    @property
    def problems(self) -> list[str]:
        found = [f"console: {m}" for m in self.console_errors]
        found += [f"request outside the file: {u}" for u in self.outside_requests]
        found += [f"image not drawn: {src}" for src in self.broken_images]
        if not self.headline:
            found.append(f"no headline block ({HEADLINE})")
        return found


def find_chromium() -> str | None:
    """The system's Chromium, or None (Debian: ``apt-get install chromium``)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _check(browser: Browser, page_path: Path, screenshots: Path | None) -> PageCheck:
    check = PageCheck(page_path)
    url = page_path.resolve().as_uri()
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def route(r: Route) -> None:
        if r.request.url.split("#")[0] == url:
            r.continue_()
        else:
            check.outside_requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: check.console_errors.append(m.text) if m.type == "error"
            else None)  # fmt: skip
    page.on("pageerror", lambda e: check.console_errors.append(f"uncaught {e}"))
    page.goto(url, wait_until="load")
    drawn = page.evaluate(IMAGES_JS) + page.evaluate(SVGS_JS)
    check.images = len(drawn)
    check.broken_images = [d["src"] for d in drawn if not d["ok"]]
    check.headline = page.locator(HEADLINE).count() > 0
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)
        check.screenshot = screenshots / f"{page_path.parent.name}-{page_path.stem}.png"
        page.screenshot(path=str(check.screenshot), full_page=True)
    page.close()
    return check


def require_browser() -> str:
    """The Chromium to drive; `InputError` when it or Playwright is missing."""
    chromium = find_chromium()
    if chromium is None:
        raise InputError("no chromium found on PATH (Debian: apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        hint = "pip install 'perfkit[browser]'"
        raise InputError(f"the browser check needs Playwright: {hint}")
    return chromium


def check_pages(pages: Sequence[Path], screenshots: Path | None = None) -> list[PageCheck]:
    """Open each page in headless Chromium; screenshots into ``screenshots`` when given,
    named ``<folder>-<stem>.png`` after the page's folder and file."""
    chromium = require_browser()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  (the optional extra)

    with sync_playwright() as p:  # launch() gives Chromium a fresh temporary profile
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            return [_check(browser, page, screenshots) for page in pages]
        finally:
            browser.close()
