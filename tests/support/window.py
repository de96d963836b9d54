"""What a person does in the real window (an AppProcess): find a field or button by its label,
type, click, join a room; all by running JavaScript in the page, polled until the page is ready."""

from __future__ import annotations

import json
import time

import pytest

from tests.support.app_process import REPO_ROOT, AppProcess

__all__ = [
    "UI_HELPERS",
    "click",
    "join_in_the_window",
    "open_hosting",
    "require_built_ui",
    "server_fetch",
    "wait_connected",
    "wait_for_js",
]

# Installed in the page as window.__ui: fields and buttons found by their visible label.
UI_HELPERS = """
window.__ui = {
  field(label) {
    const found = [...document.querySelectorAll('label')].find((l) => l.textContent.trim() === label);
    return found ? found.control || document.getElementById(found.htmlFor) : null;
  },
  button(label) {
    return [...document.querySelectorAll('button')].find(
      (b) => (b.getAttribute('aria-label') || b.textContent).trim() === label && !b.disabled);
  },
  type(label, value) {
    const field = this.field(label);
    if (!field) return false;
    field.value = value;
    field.dispatchEvent(new Event('input', {bubbles: true}));
    return true;
  },
  click(label) {
    const button = this.button(label);
    if (button) button.click();
    return Boolean(button);
  },
};
true
"""

CONNECTED = "document.querySelector('[data-status=\"connected\"]') !== null"


def require_built_ui() -> None:
    """The window shows ui/dist: without it the test cannot run, and says how to build it."""
    if not (REPO_ROOT / "ui" / "dist" / "index.html").is_file():
        pytest.fail("the window test needs the built UI (cd ui && npm run build)", pytrace=False)


# How long a window's page gets to show something. A page shows it within a second or two; in CI,
# a window starting beside a three-node cluster or a browser test on two cores has taken past 15 s.
PAGE_WAIT_SECONDS = 30


def wait_for_js(app: AppProcess, expression: str, timeout: float = PAGE_WAIT_SECONDS):
    """Poll a page expression until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = app.js(expression)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{expression} stayed falsy for {timeout} s")


def wait_connected(app: AppProcess, timeout: float = PAGE_WAIT_SECONDS) -> None:
    wait_for_js(app, CONNECTED, timeout)


def join_in_the_window(app: AppProcess, name: str, room: str) -> None:
    """The first screen: type a name and a room, press Join, wait until the room is connected."""
    # The first screen's first field. The helpers go in again while it is not there: a window
    # still loading its page when they were first put in (CI's busy machine) drops them.
    wait_for_js(app, f"if (!window.__ui) {{ {UI_HELPERS} }} window.__ui.type('Name', {json.dumps(name)})")
    assert app.js(f"window.__ui.type('Room', {json.dumps(room)})")
    wait_for_js(app, "window.__ui.click('Join')")
    wait_connected(app)


def click(app: AppProcess, selector: str, timeout: float = 10) -> None:
    """Click the first element matching `selector` once it is there and enabled."""
    found = json.dumps(selector)
    wait_for_js(
        app, f"(() => {{ const el = document.querySelector({found}); return el && !el.disabled }})()", timeout
    )
    app.js(f"document.querySelector({found}).click()")


def open_hosting(app: AppProcess) -> None:
    """Unfold "Hosting" in the sidebar (the host panel and the room password panel)."""
    toggle = "document.querySelector('[data-testid=\"hosting-toggle\"]')"
    wait_for_js(app, f"{toggle} !== null")
    if app.js(f"{toggle}.getAttribute('aria-expanded')") != "true":
        app.js(f"{toggle}.click()")
    wait_for_js(app, f"{toggle}.getAttribute('aria-expanded') === 'true'")


def server_fetch(app: AppProcess, path: str) -> str:
    """A page expression fetching `path` from the app's own server, as JSON."""
    return f"fetch('http://127.0.0.1:{app.port}{path}').then((response) => response.json())"
