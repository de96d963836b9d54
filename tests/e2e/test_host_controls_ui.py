"""Host controls in a browser (Chromium against a real server thread serving the built UI): a
browser never shows them, and a message the host deleted shows as deleted, live and from history,
in English and Russian. The deletion is made as the window makes it (desktop/host_controls.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.host_controls import WindowHostControls
from server.config import ServerConfig
from server.runtime.runner import ServerThread
from tests.support.browser import (
    UI_INDEX,
    join_room,
    join_room_in_russian,
    message_texts,
    screenshot,
    send_message,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/work/shots/hostctl")


def keep(path: Path) -> None:
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


@pytest.fixture
def hosted(tmp_path):
    if not UI_INDEX.is_file():
        pytest.fail("the browser tests need the built UI (cd ui && npm run build)", pytrace=False)
    server = ServerThread(ServerConfig(host="127.0.0.1", port=0, data_dir=tmp_path / "data"))
    server.bind()
    server.start()
    yield server, WindowHostControls(server)
    server.stop()


def test_a_browser_shows_no_host_controls_and_shows_a_deleted_message_as_deleted_live_and_after_reload(
    hosted, new_page
):
    server, controls = hosted
    page = new_page()
    join_room(page, server.url, "Alice", "general")
    send_message(page, "a secret plan")
    send_message(page, "something else")
    expect(page.get_by_test_id("message")).to_have_count(2)
    other = new_page()
    join_room(other, server.url, "Bob", "general")
    expect(page.get_by_test_id("members")).to_contain_text("Bob")
    for control in ("delete-message", "bans-toggle"):
        expect(page.get_by_test_id(control)).to_have_count(0)
    # A member's menu is everyone's (to message them); only the window's adds the host's items.
    page.get_by_test_id("member-menu").click()
    expect(page.get_by_test_id("message-member")).to_have_count(1)
    for control in ("remove-member", "ban-identity", "ban-address"):
        expect(page.get_by_test_id(control)).to_have_count(0)

    first_id = min(m["id"] for m in _history(server))
    assert controls.delete_message("general", first_id) is True
    expect(page.get_by_test_id("deleted")).to_have_text("message deleted")
    expect(other.get_by_test_id("deleted")).to_have_text("message deleted")
    assert message_texts(page) == ["something else"]
    keep(screenshot(page, "hostctl-browser-deleted-en"))

    page.reload()
    expect(page.get_by_test_id("deleted")).to_have_text("message deleted")
    assert message_texts(page) == ["something else"]
    assert page.page_errors == [] and other.page_errors == []


def test_a_deleted_message_reads_as_deleted_in_russian(hosted, new_page):
    server, controls = hosted
    page = new_page(locale="ru-RU")
    page.goto(server.url)
    page.get_by_label("Имя").fill("Аня")
    page.get_by_label("Комната", exact=True).first.fill("Общая")
    page.get_by_role("button", name="Войти", exact=True).first.click()
    page.locator('[data-testid="connection-status"][data-status="connected"]').wait_for()
    box = page.get_by_label("Сообщение", exact=True)
    box.fill("удалите меня")
    box.press("Enter")
    expect(page.get_by_test_id("message")).to_have_count(1)
    assert controls.delete_message("Общая", 1) is True
    expect(page.get_by_test_id("deleted")).to_have_text("сообщение удалено")
    expect(page.get_by_test_id("member-menu")).to_have_count(0)
    keep(screenshot(page, "hostctl-browser-deleted-ru"))


@pytest.mark.parametrize(
    ("locale", "width", "status", "alert", "field"),
    [
        (
            "en-US",
            1100,
            "You are banned",
            "The host of this server has banned you. You cannot come back",
            "Message",
        ),
        ("ru-RU", 400, "Вы заблокированы", "Владелец этого сервера заблокировал вас. Вернуться", "Сообщение"),
    ],
)
def test_a_banned_person_reads_plain_words_and_is_offered_no_reconnecting_nor_a_composer(
    hosted, new_page, locale, width, status, alert, field
):
    server, controls = hosted
    page = new_page(locale=locale, width=width)
    (join_room if locale == "en-US" else join_room_in_russian)(page, server.url, "Bob", "general")
    (bob,) = controls.members("general")
    controls.ban("identity", bob["identity"], "Bob")

    badge = page.get_by_test_id("connection-status")
    expect(badge).to_have_text(status)
    expect(badge.get_by_role("button")).to_have_count(0)  # no "Reconnect now": it would be refused
    expect(page.get_by_test_id("room-error")).to_contain_text(alert)
    # Nothing typed now could ever be delivered: the composer says so instead of queueing it.
    composer = page.get_by_label(field, exact=True)
    expect(composer).to_be_disabled()
    expect(composer).to_have_attribute("placeholder", status)
    expect(page.get_by_test_id("attach")).to_be_disabled()
    keep(screenshot(page, f"hostctl-banned-{locale}-{width}"))


def _history(server: ServerThread) -> list[dict]:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{server.url}api/rooms/general/messages", timeout=10) as response:
        return json.loads(response.read())["messages"]
