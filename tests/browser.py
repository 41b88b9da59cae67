"""Headless Chromium for tests that look at a page as a user would (the report page, the MLflow UI).

Debian's ``chromium`` package (``.ci/run`` installs it) driven through Playwright's Python client,
which talks to an existing browser binary and downloads nothing. ``visit`` opens a URL and returns
the page with every console error and uncaught page error seen while it loaded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# Flags the machine's closed network needs: no background connections, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    """The Chromium binary, or None when it is not installed."""
    return os.environ.get("GANBENCH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Visit:
    """A loaded page and what went wrong while it loaded."""

    page: object  # playwright.sync_api.Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    # "STATUS URL" of every HTTP answer >= 400. Chromium's console says only "Failed to load
    # resource: … 404" for these; this says which URL, so a test can tell which resource it was.
    bad_responses: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.page_errors + self.failed_requests


@contextmanager
def launch() -> Iterator[object]:
    """A headless Chromium (playwright ``Browser``). Outside CI a missing browser skips the test; in
    CI (``CI`` set) it fails, so a browser test can never pass by not running."""
    path = chromium_path()
    if path is None:
        from services import missing

        missing("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def visit(
    browser, url: str, *, wait_until: str = "load", timeout_ms: int = 60_000, viewport=(1400, 1000)
) -> Visit:
    """Open ``url`` in a fresh context (an empty profile) and record console and page errors."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    seen = Visit(page)
    page.on("console", lambda msg: seen.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: seen.page_errors.append(str(exc)))
    page.on("requestfailed", lambda req: seen.failed_requests.append(f"{req.url}: {req.failure}"))
    page.on("response", lambda resp: _note_bad_response(seen, resp))
    page.goto(url, wait_until=wait_until, timeout=timeout_ms)
    return seen


def _note_bad_response(seen: Visit, response) -> None:
    if response.status >= 400:
        seen.bad_responses.append(f"{response.status} {response.url}")


def screenshot(seen: Visit, path: Path) -> Path:
    """Save a full-page screenshot (for the developer to look at; tests keep it under tmp_path)."""
    seen.page.screenshot(path=str(path), full_page=True)
    return path
