"""Panels that close as people expect, and the changed screens in both languages and themes."""

from __future__ import annotations

import pytest

from tests.support.browser import join_room, screenshot, send_message

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect


def test_the_narrow_room_drawer_and_members_panel_close_on_escape_and_a_press_outside(lanchat, new_page):
    page = new_page(width=400, height=760)
    join_room(page, lanchat.url, "Anna", "general")
    drawer = page.locator("#app-sidebar")
    rooms = page.get_by_role("button", name="Rooms")

    rooms.click()
    expect(drawer).to_be_visible()
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()

    rooms.click()
    expect(drawer).to_be_visible()
    page.mouse.click(390, 400)  # beside the drawer, on the room
    expect(drawer).to_be_hidden()

    members = page.locator("#room-members")
    page.get_by_role("button", name="Members (1)").click()
    expect(members).to_be_visible()
    page.keyboard.press("Escape")
    expect(members).to_be_hidden()
    page.get_by_role("button", name="Members (1)").click()
    page.get_by_label("Message", exact=True).click()
    expect(members).to_be_hidden()
    assert page.page_errors == []


def test_escape_on_the_join_screen_goes_back_to_the_open_room(lanchat, new_page):
    page = new_page()
    join_room(page, lanchat.url, "Anna", "general")
    page.get_by_role("button", name="Join a room").click()
    expect(page.get_by_role("heading", name="Join a room")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("log")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_message_in_the_open_room_counts_as_unread_while_the_join_screen_shows(lanchat, new_page, language):
    anna = new_page(width=400, height=760)
    bob = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    join_room(bob, lanchat.url, "Bob", "general")
    anna.get_by_label("Language").select_option(language)
    anna.get_by_role("button", name="Комнаты" if language == "ru" else "Rooms").click()
    anna.locator("#app-sidebar").get_by_role(
        "button", name="Войти в комнату" if language == "ru" else "Join a room"
    ).click()
    send_message(bob, "are you there?")
    expect(anna.get_by_test_id("rooms-unread")).to_contain_text("1")
    expect(anna.get_by_test_id("rooms-unread")).to_contain_text(
        "1 непрочитанное сообщение" if language == "ru" else "1 unread message"
    )
    expect(anna).to_have_title("(1) lanchat")
    screenshot(anna, f"polish-{language}-400-unread-on-join")


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 400])
def test_the_room_and_join_screens_render_in_both_languages_and_themes(
    lanchat, new_page, language, scheme, width
):
    page = new_page(width=width, height=760, color_scheme=scheme)
    room = (
        f"Очень длинное название комнаты {scheme} {width}"
        if language == "ru"
        else f"general {scheme} {width}"
    )
    join_room(page, lanchat.url, "Anna", room)
    send_message(page, "Привет! One line for the screenshot.")
    page.get_by_label("Language").select_option(language)
    name = f"polish-{language}-{scheme}-{width}"
    screenshot(page, f"{name}-room")
    # A long room name is cut with an ellipsis in the header, and shown whole on hover.
    expect(page.get_by_role("heading", level=1)).to_have_attribute("title", room)
    # The sidebar must never scroll sideways, in either language.
    overflow = page.locator("#app-sidebar").evaluate("el => el.scrollWidth - el.clientWidth")
    if width > 700:
        assert overflow <= 0
    page.locator(".sidebar-toggle:visible, #app-sidebar:visible").first.wait_for()
    if width <= 700:
        # By its name exactly: a room's mute button names the room, and this one's name has "комнаты" in it.
        page.get_by_role(
            "button", name="☰ " + ("Rooms" if language == "en" else "Комнаты"), exact=True
        ).click()
    page.locator("#app-sidebar").get_by_role(
        "button", name=("Join a room" if language == "en" else "Войти в комнату")
    ).click()
    screenshot(page, f"{name}-join")
    assert page.page_errors == []
