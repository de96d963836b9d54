"""Drafts kept per room, the Join screen's fields and the composer with over-long text, as people see
them in Debian's Chromium against a real `lanchat serve` process."""

from __future__ import annotations

import re

import pytest

from server.protocol.limits import MAX_ROOM_CHARS, MAX_SENDER_CHARS
from tests.support.browser import join_room, join_room_in_russian, screenshot, wait_connected

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

NARROW, WIDE = 400, 1100
LOOKS = [("en-US", NARROW), ("en-US", WIDE), ("ru-RU", NARROW), ("ru-RU", WIDE)]


def _size(box: dict) -> tuple[int, int]:
    return round(box["width"]), round(box["height"])


def _leave(page, room: str) -> None:
    page.get_by_role("button", name=f"Leave {room}").click()


@pytest.mark.parametrize("width", [NARROW, WIDE])
def test_a_draft_survives_leaving_the_room_joining_it_again_and_a_reload(lanchat, new_page, width):
    page = new_page(width=width)
    join_room(page, lanchat.url, "Anna", "general")
    composer = page.get_by_label("Message", exact=True)
    composer.fill("half a thought about lunch")

    if width == NARROW:
        page.get_by_role("button", name=re.compile("^☰")).click()
    _leave(page, "general")
    expect(page.get_by_role("heading", name="Join a room")).to_be_visible()
    page.get_by_label("Room", exact=True).first.fill("general")
    page.get_by_role("button", name="Join", exact=True).first.click()
    wait_connected(page)
    expect(composer).to_have_value("half a thought about lunch")

    page.reload()
    wait_connected(page)
    expect(page.get_by_label("Message", exact=True)).to_have_value("half a thought about lunch")
    screenshot(page, f"draft-kept-after-rejoin-and-reload-{width}")
    assert page.page_errors == []


@pytest.mark.parametrize("width", [NARROW, WIDE])
def test_a_draft_survives_leaving_and_rejoining_in_russian(lanchat, new_page, width):
    page = new_page(locale="ru-RU", width=width)
    join_room_in_russian(page, lanchat.url, "Аня", "кухня")
    page.get_by_label("Сообщение", exact=True).fill("недописанная мысль")
    if width == NARROW:
        page.get_by_role("button", name=re.compile("^☰")).click()
    page.get_by_role("button", name=re.compile("^Выйти из")).click()
    page.get_by_label("Комната", exact=True).first.fill("кухня")
    page.get_by_role("button", name="Войти", exact=True).first.click()
    wait_connected(page)
    expect(page.get_by_label("Сообщение", exact=True)).to_have_value("недописанная мысль")
    screenshot(page, f"draft-kept-after-rejoin-ru-{width}")


@pytest.mark.parametrize(
    ("locale", "width", "name_label", "asked"),
    [
        ("en-US", NARROW, "Name", "Enter your name."),
        ("en-US", WIDE, "Name", "Enter your name."),
        ("ru-RU", NARROW, "Имя", "Введите имя."),
        ("ru-RU", WIDE, "Имя", "Введите имя."),
    ],
)
def test_picking_a_listed_room_without_a_name_asks_for_the_name_there(
    lanchat, new_page, locale, width, name_label, asked
):
    join_room(new_page(), lanchat.url, "Bob", "kitchen")  # so the room is listed
    page = new_page(locale=locale, width=width)
    page.goto(lanchat.url)
    page.get_by_test_id("room-list").get_by_role("button", name=re.compile("^kitchen")).click()

    name = page.get_by_label(name_label, exact=True)
    expect(page.locator("#join-name-error")).to_have_text(asked)
    expect(name).to_be_focused()
    expect(page.locator("#join-room-error")).to_have_count(0)
    screenshot(page, f"picked-room-asks-for-name-{locale}-{width}")

    # Giving the name and pressing Enter joins the room that was picked.
    name.fill("Anna")
    name.press("Enter")
    wait_connected(page)
    expect(page.get_by_role("log")).to_be_visible()


@pytest.mark.parametrize(
    ("locale", "width", "room_label", "offer"),
    [
        ("en-US", NARROW, "Room", "Join kitchen on 10.0.0.5:8765"),
        ("en-US", WIDE, "Room", "Join kitchen on 10.0.0.5:8765"),
        ("ru-RU", NARROW, "Комната", "Войти в kitchen на 10.0.0.5:8765"),
        ("ru-RU", WIDE, "Комната", "Войти в kitchen на 10.0.0.5:8765"),
    ],
)
def test_a_join_link_in_the_room_field_is_offered_as_a_join_on_its_host(
    lanchat, new_page, locale, width, room_label, offer
):
    # Only shown, never pressed: 10.0.0.5 is not an address these tests may connect to.
    page = new_page(locale=locale, width=width)
    page.goto(lanchat.url)
    page.get_by_label(room_label, exact=True).first.fill("http://10.0.0.5:8765/#room=kitchen")
    expect(page.get_by_test_id("room-field-address").get_by_role("button")).to_have_text(offer)
    expect(page.locator("#join-room-error")).to_have_count(0)
    screenshot(page, f"join-link-in-room-field-{locale}-{width}")


@pytest.mark.parametrize(("locale", "width"), LOOKS)
def test_the_room_field_stops_at_the_room_name_limit(lanchat, new_page, locale, width):
    page = new_page(locale=locale, width=width)
    page.goto(lanchat.url)
    room = page.locator("#join-room")
    room.focus()
    page.keyboard.insert_text("r" * 80)
    expect(room).to_have_value("r" * MAX_ROOM_CHARS)
    page.locator("#join-name").focus()
    page.keyboard.insert_text("😀" * 40)
    expect(page.locator("#join-name")).to_have_value("😀" * MAX_SENDER_CHARS)
    screenshot(page, f"room-field-limit-{locale}-{width}")


@pytest.mark.parametrize(("locale", "width"), LOOKS)
def test_twenty_thousand_pasted_characters_scroll_inside_the_composer(lanchat, new_page, locale, width):
    page = new_page(locale=locale, width=width, height=760)
    if locale == "ru-RU":
        join_room_in_russian(page, lanchat.url, "Аня", "general")
        label, send = "Сообщение", "Отправить"
    else:
        join_room(page, lanchat.url, "Anna", "general")
        label, send = "Message", "Send"
    composer = page.get_by_label(label, exact=True)
    send_button = page.get_by_role("button", name=send, exact=True)
    before = send_button.bounding_box()
    log_before = page.get_by_role("log").bounding_box()

    composer.focus()
    page.keyboard.insert_text("x" * 20_000)  # one unbroken line, as a pasted log or hash would be
    expect(page.get_by_test_id("char-counter")).to_be_visible()

    box = composer.bounding_box()
    after = send_button.bounding_box()
    log_after = page.get_by_role("log").bounding_box()
    viewport = page.viewport_size
    assert box["height"] <= viewport["height"] * 0.4
    assert box["x"] + box["width"] <= viewport["width"]
    assert _size(after) == _size(before)
    assert after["x"] + after["width"] <= viewport["width"]
    assert log_after["height"] >= log_before["height"] * 0.5
    # The text scrolls inside the composer.
    assert composer.evaluate("el => el.scrollHeight > el.clientHeight")
    screenshot(page, f"composer-long-paste-{locale}-{width}")
