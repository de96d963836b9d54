"""The join screen's list of hosts and the discovery switch, in Chromium.

Two boundaries are replaced: pywebview's `window.pywebview.api` (the window's settings) and the
answer of the page's own server to GET /api/discovered (its browsing runs across network
namespaces in tests/desktop/test_window_discovery.py; here the server runs with discovery off).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/work/shots/discovery")

FAKE_WINDOW = """
window.discoverySaved = [];
let discovery = true;
setTimeout(() => {
  window.pywebview = { api: {
    host_status: async () => ({
      hosting: false, port: null, addresses: [], error: null, suggested_port: null,
    }),
    get_settings: async () => ({ name: 'Desk' }),
    save_settings: async (changes) => {
      if ('discovery' in changes) {
        discovery = changes.discovery;
        window.discoverySaved.push(changes.discovery);
      }
      return {};
    },
    discovery_status: async () => ({ setting: discovery, enabled: discovery, blocked_by: null }),
    set_unread: async () => null,
    notify: async () => null,
  } };
  window.dispatchEvent(new Event('pywebviewready'));
}, 50);
"""

HOSTS = {
    "browsing": True,
    "hosts": [
        {
            "name": "Kitchen laptop",
            "address": "10.0.0.5",
            "port": 8765,
            "protocol": 2,
            "source": "found",
            "rooms": [{"name": "lobby", "members": 2, "messages": 10}],
            "last_answered": 1,
        },
        {
            "name": "Office",
            "address": "10.1.0.7",
            "port": 8765,
            "protocol": 2,
            "source": "remembered",
            "rooms": [{"name": "standup", "members": 1, "messages": 3}],
            "last_answered": 1,
        },
        {
            "name": "Attic",
            "address": "10.2.0.9",
            "port": 9000,
            "protocol": 2,
            "source": "peer",
            "rooms": [],
            "last_answered": 1,
        },
    ],
}


def keep(path: Path, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / f"{name}.png")


@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
def test_the_join_screen_lists_how_each_host_is_known_and_the_switch_turns_discovery_off(
    lanchat, new_page, locale
):
    page = new_page(locale=locale)
    page.add_init_script(FAKE_WINDOW)
    page.route(
        "**/api/discovered",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(HOSTS)),
    )
    page.goto(lanchat.url)
    found = page.get_by_test_id("discovered-hosts")
    expect(found).to_contain_text("Kitchen laptop")
    russian = locale.startswith("ru")
    expect(found).to_contain_text("вы уже заходили" if russian else "joined before")
    expect(found).to_contain_text("известен другому серверу" if russian else "known to another host")
    toggle = page.get_by_test_id("discovery-toggle")
    expect(toggle).to_be_checked()
    keep(screenshot(page, f"discovery-join-{locale}"), f"join-screen-{locale}")

    toggle.uncheck()
    expect(toggle).not_to_be_checked()
    expect(page.get_by_test_id("discovery-setting")).to_contain_text(
        "ничего не отправляет" if russian else "sends nothing to the network"
    )
    assert page.evaluate("window.discoverySaved") == [False]
    keep(screenshot(page, f"discovery-off-{locale}"), f"switch-off-{locale}")
