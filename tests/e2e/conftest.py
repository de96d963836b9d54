"""Fixtures for the browser tests: the real `lanchat serve` process (tests/conftest.py's
`serve_process`, with the built UI checked first) and Debian's Chromium (Playwright).

The server serves the built UI from ui/dist, so these tests need `make test` (or
`cd ui && npm ci && npm run build`) first. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, UI_INDEX
from tests.support.server_process import ServeProcess


def _require_built_ui() -> None:
    if not UI_INDEX.is_file():
        pytest.fail(
            f"The browser tests need the built UI ({UI_INDEX.relative_to(ROOT)} is missing). "
            "Run `make test`, which builds it, or `cd ui && npm ci && npm run build`.",
            pytrace=False,
        )


@pytest.fixture
def lanchat(serve_process) -> ServeProcess:
    """`lanchat serve` on an empty data folder, serving the built UI."""
    _require_built_ui()
    return serve_process()


# Module scope, not session: a running sync_playwright keeps an asyncio loop alive in this
# thread, and every later test that calls asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Python package `playwright` is not installed (pip install playwright)")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh browser context (its own storage, as another person's computer)."""
    contexts = []

    def open_page(
        *,
        locale: str = "en-US",
        width: int = 1100,
        height: int = 760,
        color_scheme: str = "light",
        accepted_certificate: bool = False,  # the person clicked through the browser's warning
    ):
        context = browser.new_context(
            locale=locale,
            viewport={"width": width, "height": height},
            color_scheme=color_scheme,
            ignore_https_errors=accepted_certificate,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.page_errors = errors  # checked by tests that want a clean console
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _settle_time() -> Iterator[None]:
    started = time.monotonic()
    yield
    # A hint in the output when a browser test gets slow, so the suite stays under its budget.
    if time.monotonic() - started > 30:
        print(f"slow browser test: {time.monotonic() - started:.1f}s")
