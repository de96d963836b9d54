"""The window's Room password panel, in Chromium with a stand-in for pywebview's bridge (the real
window is tests/desktop/test_window_private_room.py): what it calls and what it says, en and ru."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.browser import join_room, open_hosting, screenshot

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/work/shots/private")

FAKE_PYWEBVIEW = """
window.bridgeCalls = [];
const record = (name, result) => (...args) => {
  window.bridgeCalls.push([name, ...args]);
  return Promise.resolve(result(...args));
};
const privateRooms = new Set();
setTimeout(() => {
  window.pywebview = { api: {
    host_status: record('host_status', () => ({ hosting: false, port: null, addresses: [], error: null })),
    get_settings: record('get_settings', () => ({})),
    save_settings: record('save_settings', () => null),
    set_unread: record('set_unread', () => null),
    room_privacy: record('room_privacy', (room) => ({ room, private: privateRooms.has(room) })),
    make_room_private: record('make_room_private',
      (room) => (privateRooms.add(room), { room, private: true })),
    make_room_open: record('make_room_open',
      (room) => (privateRooms.delete(room), { room, private: false })),
  } };
  window.dispatchEvent(new Event('pywebviewready'));
}, 50);
"""


def keep(path: Path) -> None:
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


def calls(page, name):
    return [call[1:] for call in page.evaluate("window.bridgeCalls") if call[0] == name]


def test_the_room_password_panel_makes_the_shown_room_private_then_open_through_the_bridge(lanchat, new_page):
    page = new_page()
    page.add_init_script(FAKE_PYWEBVIEW)
    join_room(page, lanchat.url, "Host", "general")
    open_hosting(page)
    panel = page.get_by_test_id("room-privacy")
    expect(panel.get_by_label("Room on this computer")).to_have_value("general")
    expect(panel.get_by_test_id("privacy-state")).to_contain_text("Open")
    panel.get_by_label("Password").fill("abc")
    panel.get_by_role("button", name="Make private").click()
    expect(panel.get_by_role("alert")).to_contain_text("at least 4 characters")
    assert calls(page, "make_room_private") == []

    panel.get_by_label("Password").fill("team secret")
    panel.get_by_role("button", name="Make private").click()
    expect(panel.get_by_test_id("privacy-done")).to_contain_text("“general” is private now.")
    expect(panel.get_by_test_id("privacy-state")).to_contain_text("Private")
    assert calls(page, "make_room_private") == [["general", "team secret"]]
    expect(panel.get_by_label("Password")).to_have_value("")  # not left on screen
    keep(screenshot(page, "room-privacy-panel"))

    panel.get_by_role("button", name="Make open").click()
    expect(panel.get_by_test_id("privacy-done")).to_contain_text("“general” is open now.")
    assert calls(page, "make_room_open") == [["general"]]


def test_the_room_password_panel_speaks_russian(lanchat, new_page):
    page = new_page(locale="ru-RU")
    page.add_init_script(FAKE_PYWEBVIEW)
    page.goto(lanchat.url)
    open_hosting(page)
    panel = page.get_by_test_id("room-privacy")
    panel.get_by_label("Комната на этом компьютере").fill("Общая")
    panel.get_by_label("Пароль").fill("секретный")
    panel.get_by_role("button", name="Сделать закрытой").click()
    expect(panel.get_by_test_id("privacy-done")).to_contain_text("Комната «Общая» теперь закрытая.")
    expect(panel.get_by_role("button", name="Сменить пароль")).to_be_visible()
    keep(screenshot(page, "room-privacy-panel-ru"))
