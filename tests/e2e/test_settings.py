"""The Settings panel: a rename that applies at once everywhere and survives a reload, and the
notifications switch."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import join_room, join_room_in_russian, screenshot, send_message

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect


def members(page):
    return page.locator('[data-testid="members"] li .name')


def test_a_rename_applies_to_every_room_at_once_and_survives_a_reload(lanchat, new_page):
    anna = new_page()
    bob = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    anna.get_by_role("button", name="Join a room").click()
    anna.get_by_label("Room", exact=True).first.fill("lobby")
    anna.get_by_role("button", name="Join", exact=True).first.click()
    expect(anna.get_by_role("heading", name="lobby")).to_be_visible()
    join_room(bob, lanchat.url, "Bob", "general")
    anna.locator("#app-sidebar").get_by_role("button", name="general Connected").click()
    send_message(anna, "written as Anna")
    expect(bob.get_by_test_id("message").filter(has_text="written as Anna")).to_be_visible()

    panel = anna.get_by_test_id("settings-panel")
    panel.get_by_label("Others see you as").fill("Anya")
    panel.get_by_role("button", name="Rename").click()
    expect(panel.get_by_role("status")).to_have_text("Saved: your rooms now show you as Anya.")

    # Bob's member list follows at once, before Anna writes anything.
    expect(members(bob)).to_have_text(["Anya", "Bob"])
    send_message(anna, "written as Anya")
    latest = bob.get_by_test_id("message").filter(has_text="written as Anya")
    expect(latest.get_by_test_id("sender")).to_have_text("Anya")

    anna.reload()
    expect(anna.get_by_role("log")).to_be_visible()
    expect(anna.get_by_test_id("settings-panel").get_by_label("Others see you as")).to_have_value("Anya")
    # Both messages are still shown as hers: the one under her former name too.
    for text in ("written as Anna", "written as Anya"):
        expect(anna.get_by_test_id("message").filter(has_text=text)).to_have_class("message-item own")
    expect(members(bob)).to_have_text(["Anya", "Bob"])
    # The lobby, not on screen when she renamed, has her new name too.
    anna.locator("#app-sidebar").get_by_role("button", name="lobby Connected").click()
    expect(members(anna)).to_have_text(["Anya"])
    # The Join screen's Name field is the same setting.
    anna.get_by_role("button", name="Join a room").click()
    expect(anna.get_by_label("Name", exact=True)).to_have_value("Anya")
    screenshot(anna, "settings-renamed")
    assert anna.page_errors == [] and bob.page_errors == []


@pytest.mark.parametrize(
    ("locale", "name", "room", "join", "rooms", "others_see_you_as"),
    [
        ("en-US", "Name", "Room", "Join", None, "Others see you as"),
        ("ru-RU", "Имя", "Комната", "Войти", "Комнаты", "Вас видят как"),  # noqa: RUF001
    ],
)
def test_a_first_start_asks_for_the_name_in_one_place_and_settings_then_offers_renaming(
    lanchat, new_page, locale, name, room, join, rooms, others_see_you_as
):
    page = new_page(locale=locale, width=1100 if rooms is None else 400)
    page.goto(lanchat.url)
    name_fields = page.locator('input[autocomplete="nickname"]:visible')
    expect(name_fields).to_have_count(1)
    expect(name_fields).to_have_id("join-name")
    name_fields.fill("Anna")
    page.get_by_label(room, exact=True).first.fill("general")
    page.get_by_role("button", name=join, exact=True).first.click()
    expect(page.get_by_role("log")).to_be_visible()
    if rooms:
        page.get_by_role("button", name=rooms).click()
    expect(page.get_by_test_id("settings-panel").get_by_label(others_see_you_as)).to_have_value("Anna")
    expect(page.get_by_test_id("settings-no-name")).to_have_count(0)
    assert page.page_errors == []


def test_a_name_changed_on_the_join_screen_is_saved_when_going_back(lanchat, new_page):
    page = new_page(locale="ru-RU", width=400, height=760)
    page.goto(lanchat.url)
    page.get_by_label("Имя", exact=True).fill("Аня")
    page.get_by_label("Комната", exact=True).first.fill("general")
    page.get_by_role("button", name="Войти", exact=True).first.click()
    expect(page.get_by_role("log")).to_be_visible()
    page.get_by_role("button", name="Комнаты").click()
    page.locator("#app-sidebar").get_by_role("button", name="Войти в комнату").click()
    page.get_by_label("Имя", exact=True).fill("Анна")
    page.get_by_role("button", name="Назад к чату").click()

    page.reload()
    page.get_by_role("button", name="Комнаты").click()
    expect(page.locator("#settings-name")).to_have_value("Анна")  # the "Others see you as" field
    expect(members(page)).to_have_text(["Анна"])
    screenshot(page, "settings-ru-narrow")


def test_in_a_browser_the_notifications_switch_asks_the_browser_and_is_kept(lanchat, new_page):
    page = new_page()
    page.context.grant_permissions(["notifications"])  # what the person answers when asked
    join_room(page, lanchat.url, "Anna", "general")
    toggle = page.get_by_test_id("notifications-toggle")
    expect(toggle).not_to_be_checked()  # a browser starts with them off: they need a permission

    toggle.check()
    assert page.evaluate("JSON.parse(localStorage.getItem('lanchat.settings')).notifications") is True
    page.reload()
    expect(page.get_by_test_id("notifications-toggle")).to_be_checked()
    page.get_by_test_id("notifications-toggle").uncheck()
    assert page.evaluate("JSON.parse(localStorage.getItem('lanchat.settings')).notifications") is False


def test_a_name_typed_on_the_join_screen_is_taken_when_leaving_it_by_the_sidebar(lanchat, new_page):
    page = new_page()
    join_room(page, lanchat.url, "Anna", "general")
    page.get_by_role("button", name="Join a room").click()
    page.get_by_label("Name", exact=True).fill("Anya")
    page.locator("#app-sidebar").get_by_role("button", name="general Connected").click()

    expect(page.get_by_test_id("settings-panel").get_by_label("Others see you as")).to_have_value("Anya")
    expect(members(page)).to_have_text(["Anya"])


@pytest.mark.parametrize(
    ("locale", "width", "switch", "why"),
    [
        ("en-US", 1100, "Notify me of new messages", r"browser (blocks|did not allow) notifications"),
        ("ru-RU", 400, "Уведомлять о новых сообщениях", r"Браузер (запретил|не разрешил) уведомления"),  # noqa: RUF001
    ],
)
def test_a_notifications_switch_the_browser_does_not_allow_shows_unticked_with_the_reason(
    lanchat, new_page, locale, width, switch, why
):
    page = new_page(locale=locale, width=width)
    (join_room if locale == "en-US" else join_room_in_russian)(page, lanchat.url, "Anna", "general")
    if width < 700:
        page.get_by_role("button", name="Комнаты").click()
    toggle = page.get_by_test_id("notifications-toggle")
    toggle.click()  # no permission given to this context: the browser does not allow it
    expect(toggle).not_to_be_checked()
    expect(page.locator("#settings-notifications-hint")).to_have_text(re.compile(why))
    assert page.evaluate("JSON.parse(localStorage.getItem('lanchat.settings')).notifications") is not True
    toggle.scroll_into_view_if_needed()
    screenshot(page, f"notifications-not-allowed-{locale}-{width}")

    # What a reload shows is what was shown before it.
    page.reload()
    if width < 700:
        page.get_by_role("button", name="Комнаты").click()
    expect(page.get_by_label(switch)).not_to_be_checked()
