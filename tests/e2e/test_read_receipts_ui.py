"""Read receipts between two people in Chromium (two browser contexts: two computers)."""

from __future__ import annotations

import pytest

from server.protocol.limits import SEEN_SEND_INTERVAL_SECONDS
from tests.support.browser import isolated, join_room, screenshot, send_message, wait_connected

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect


def _mine(page, text):
    return page.get_by_test_id("message").filter(has_text=text)


def _join_in_russian(page, url, name):
    page.goto(url)
    page.get_by_label("Имя").fill(name)
    page.get_by_label("Комната", exact=True).first.fill("общая")
    page.get_by_role("button", name="Войти", exact=True).first.click()
    page.get_by_role("log").wait_for()
    wait_connected(page)


def _send_in_russian(page, text):
    box = page.get_by_label("Сообщение", exact=True)
    box.fill(text)
    box.press("Enter")


def test_anna_sees_that_bob_read_her_message_until_he_turns_receipts_off(lanchat, new_page):
    anna = new_page()
    bob = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    join_room(bob, lanchat.url, "Bob", "general")
    send_message(anna, "Lunch at noon?")
    expect(bob.get_by_test_id("message").filter(has_text="Lunch at noon?")).to_be_visible()
    expect(_mine(anna, "Lunch at noon?").get_by_test_id("seen-by")).to_have_text("Seen by Bob")
    assert anna.get_by_test_id("seen-by").count() == 1
    # Bob sees no receipt of his own reading.
    expect(bob.get_by_test_id("seen-by")).to_have_count(0)
    screenshot(anna, "receipts-seen-by-en")

    # Bob turns receipts off: the switch is saved and his room reconnects saying so.
    toggle = bob.get_by_test_id("settings-panel").get_by_label("Send read receipts")
    toggle.uncheck()
    expect(toggle).not_to_be_checked()
    expect(bob.locator('[data-testid="connection-status"][data-status="connected"]')).to_be_visible()
    send_message(anna, "Or at one?")
    expect(bob.get_by_test_id("message").filter(has_text="Or at one?")).to_be_visible()
    send_message(bob, "Noon is fine")
    expect(anna.get_by_test_id("message").filter(has_text="Noon is fine")).to_be_visible()
    # Nothing to wait for: a receipt would come within a send interval; give it two.
    anna.wait_for_timeout(2000 * SEEN_SEND_INTERVAL_SECONDS)
    # Anna never learns that Bob read "Or at one?", and Bob does not see that Anna read his.
    expect(_mine(anna, "Or at one?").get_by_test_id("seen-by")).to_have_count(0)
    expect(bob.get_by_test_id("seen-by")).to_have_count(0)
    screenshot(bob, "receipts-off-en")

    # On again (after a reload too): both ways again.
    bob.reload()
    toggle = bob.get_by_test_id("settings-panel").get_by_label("Send read receipts")
    expect(toggle).not_to_be_checked()
    toggle.check()
    expect(_mine(anna, "Or at one?").get_by_test_id("seen-by")).to_have_text("Seen by Bob")
    expect(_mine(bob, "Noon is fine").get_by_test_id("seen-by")).to_have_text("Seen by Anna")
    assert anna.page_errors == [] and bob.page_errors == []


def test_receipts_speak_russian_and_fit_a_narrow_window(lanchat, new_page):
    anya = new_page(locale="ru-RU", width=400, height=720)
    borya = new_page(locale="ru-RU")
    _join_in_russian(anya, lanchat.url, "Аня")
    _join_in_russian(borya, lanchat.url, "Боря")
    _send_in_russian(anya, "Обед в полдень?")
    expect(borya.get_by_test_id("message").filter(has_text="Обед в полдень?")).to_be_visible()
    expect(_mine(anya, "Обед в полдень?").get_by_test_id("seen-by")).to_have_text("Просмотрено: Боря")
    screenshot(anya, "receipts-seen-by-ru-400")
    # Past three readers the line names three (by name) and counts the rest; all in its tooltip.
    for name in ("Гена", "Юля", "Дина"):
        _join_in_russian(new_page(locale="ru-RU"), lanchat.url, name)
    line = _mine(anya, "Обед в полдень?").get_by_test_id("seen-by")
    expect(line).to_have_text("Просмотрено: Боря, Гена, Дина +1")
    expect(line).to_have_attribute(
        "title", ", ".join(isolated(name) for name in ("Боря", "Гена", "Дина", "Юля"))
    )
    screenshot(anya, "receipts-seen-by-more-ru-400")
    panel = borya.get_by_test_id("settings-panel")
    expect(panel.get_by_label("Отправлять отметки о прочтении")).to_be_checked()  # noqa: RUF001
    screenshot(borya, "receipts-settings-ru")
    assert anya.page_errors == [] and borya.page_errors == []


def test_a_conversation_in_the_background_is_not_read_until_it_is_opened_then_just_seen(lanchat, new_page):
    alice = new_page()
    join_room(alice, lanchat.url, "Alice", "general")
    bob = new_page()
    join_room(bob, lanchat.url, "Bob", "general")
    alice.get_by_role("button", name="Actions for Bob").click()
    alice.get_by_test_id("message-member").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text("Bob")
    send_message(alice, "just between us")
    # Bob's window has the direct conversation open in the background (it counts one unread),
    # with "general" on screen: nothing says he read it.
    direct = bob.get_by_test_id("direct-rooms")
    expect(direct.get_by_test_id("unread")).to_contain_text("1")
    bob.wait_for_timeout(2000 * SEEN_SEND_INTERVAL_SECONDS)
    expect(alice.get_by_test_id("seen-by")).to_have_count(0)
    direct.get_by_role("button", name="Alice").first.click()
    # In a direct conversation the reader can only be the other person: just "Seen".
    expect(_mine(alice, "just between us").get_by_test_id("seen-by")).to_have_text("Seen")
    screenshot(alice, "receipts-direct-seen-en")
    assert alice.page_errors == [] and bob.page_errors == []
