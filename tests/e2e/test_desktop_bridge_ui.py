"""The UI side of the desktop window, in Chromium: a stand-in for pywebview's `window.pywebview.api`.

The real window is tested by the desktop suite; here the JavaScript API it injects is
replaced at that boundary, so the Host panel and the calls the UI makes can be seen.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.support.browser import isolated, join_room, open_hosting, screenshot, send_message

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

FAKE_PYWEBVIEW = """
window.bridgeCalls = [];
const record = (name, result) => (...args) => {
  window.bridgeCalls.push([name, ...args]);
  return Promise.resolve(result(...args));
};
const notHosting = () => ({ hosting: false, port: null, addresses: [], error: null, suggested_port: null });
let hosting = notHosting();
setTimeout(() => {
  window.pywebview = { api: {
    host_status: record('host_status', () => hosting),
    start_hosting: record('start_hosting', (port) => (port === 8765
      ? { hosting: false, port: null, addresses: [], error: 'port_taken', suggested_port: 8766 }
      : (hosting = {
          hosting: true, port, addresses: ['192.0.2.10', 'fd00::10'], error: null, suggested_port: null,
        }))),
    stop_hosting: record('stop_hosting', () => (hosting = notHosting())),
    notify: record('notify', () => null),
    set_unread: record('set_unread', () => null),
    open_external: record('open_external', () => null),
    get_settings: record('get_settings', () => ({ name: 'Desk' })),
    save_settings: record('save_settings', () => null),
  } };
  window.dispatchEvent(new Event('pywebviewready'));
}, 50);
"""


def calls(page, name):
    return [call[1:] for call in page.evaluate("window.bridgeCalls") if call[0] == name]


def test_in_the_window_the_host_panel_hosts_and_links_open_outside(lanchat, new_page):
    page = new_page()
    page.add_init_script(FAKE_PYWEBVIEW)
    page.goto(lanchat.url)
    # Settings come from the window once it is ready.
    expect(page.get_by_label("Name")).to_have_value("Desk")
    open_hosting(page)
    panel = page.get_by_test_id("host-panel")
    expect(panel.get_by_label("Port")).to_have_value("8765")
    panel.get_by_role("button", name="Host", exact=True).click()
    expect(panel).to_contain_text("Port 8765 is already in use.")
    panel.get_by_role("button", name="Use port 8766").click()
    # https links carrying this host's whole fingerprint (a window joining by them pins it).
    fingerprint = r"#fp=[A-Za-z0-9_-]{43}$"
    expect(
        panel.get_by_role("button", name=re.compile(r"^Copy https:\/\/192\.0\.2\.10:8766\/" + fingerprint))
    ).to_be_visible()
    expect(
        panel.get_by_role("button", name=re.compile(r"^Copy https:\/\/\[fd00::10\]:8766\/" + fingerprint))
    ).to_be_visible()
    expect(panel.get_by_test_id("own-safety-code")).to_contain_text("This host's safety code")
    expect(panel).to_contain_text("firewall")
    assert calls(page, "start_hosting") == [[8765], [8766]]

    page.get_by_label("Room", exact=True).first.fill("desk")
    page.get_by_role("button", name="Join", exact=True).first.click()
    page.get_by_role("log").wait_for()
    assert any(call[0]["name"] == "Desk" for call in calls(page, "save_settings"))
    screenshot(page, "desktop-host-panel")

    other = new_page()
    join_room(other, lanchat.url, "Bob", "desk")
    send_message(other, "read https://example.com/doc please")
    page.get_by_role("link", name="https://example.com/doc").click()
    assert calls(page, "open_external") == [["https://example.com/doc"]]
    # Notifications are gathered per room for a moment (NOTIFICATION_GATHER_SECONDS) first.
    deadline = time.monotonic() + 10
    while not calls(page, "notify") and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert calls(page, "notify")[-1] == [
        f"{isolated('Bob')} · {isolated('desk')}",
        "read https://example.com/doc please",
    ]
    # A plain browser has no Host panel.
    expect(other.get_by_test_id("host-panel")).to_have_count(0)

    panel.get_by_role("button", name="Stop hosting").click()
    expect(panel.get_by_role("button", name="Host", exact=True)).to_be_visible()


def test_in_russian_the_host_panel_button_fits_and_the_sidebar_does_not_scroll_sideways(lanchat, new_page):
    page = new_page(locale="ru-RU")
    page.add_init_script(FAKE_PYWEBVIEW)
    page.goto(lanchat.url)
    open_hosting(page)
    panel = page.get_by_test_id("host-panel")
    button = panel.get_by_role("button", name="Запустить")
    expect(button).to_be_visible()
    fits = button.evaluate(
        """el => {
          const box = el.getBoundingClientRect(), side = el.closest('aside').getBoundingClientRect()
          return el.scrollWidth <= el.clientWidth && box.right <= side.right
        }"""
    )
    assert fits
    sidebar = page.locator("#app-sidebar")
    assert sidebar.evaluate("el => el.scrollWidth - el.clientWidth") <= 0
    screenshot(page, "desktop-host-panel-ru")


@pytest.mark.parametrize("locale, label, off_hint", [
    ("en-US", "Messages can be edited for (hours)", "nobody can edit"),
    ("ru-RU", "Сообщения можно править (часов)", "никто не может править"),
])  # fmt: skip
def test_the_host_panel_sets_how_long_messages_can_be_edited(lanchat, new_page, locale, label, off_hint):
    page = new_page(locale=locale)
    page.add_init_script(FAKE_PYWEBVIEW)
    page.goto(lanchat.url)
    open_hosting(page)
    field = page.get_by_test_id("host-panel").get_by_label(label)
    expect(field).to_have_value("24")
    field.fill("0")
    field.press("Enter")
    expect(page.get_by_test_id("edit-window-hint")).to_contain_text(off_hint)
    page.wait_for_function(
        "window.bridgeCalls.some(([name, changes]) =>"
        " name === 'save_settings' && changes.edit_window_hours === 0)"
    )
    sidebar = page.locator("#app-sidebar")
    assert sidebar.evaluate("el => el.scrollWidth - el.clientWidth") <= 0
    screenshot(page, f"desktop-edit-window-{locale[:2]}")
