"""Direct messages from the member list (Chromium against `lanchat serve`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.browser import (
    join_room,
    keep_for_review,
    message_texts,
    screenshot,
    send_message,
    wait_connected,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/work/shots/dm")
SHOTS_ROOT = Path("/work/shots")


def keep(path: Path) -> None:
    """Also put the screenshot where people reviewing this change look, when that folder exists."""
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


def test_message_in_a_members_menu_opens_a_conversation_the_other_person_is_told_of(lanchat, new_page):
    alice = new_page()
    join_room(alice, lanchat.url, "Alice", "general")
    bob = new_page()
    join_room(bob, lanchat.url, "Bob", "general")
    expect(alice.get_by_test_id("members")).to_contain_text("Bob")

    alice.get_by_role("button", name="Actions for Bob").click()
    alice.get_by_test_id("message-member").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text("Bob")
    expect(alice.get_by_test_id("direct-rooms")).to_contain_text("Bob")
    expect(alice.get_by_test_id("joined-rooms")).not_to_contain_text("Bob")
    # Bob has not opened it yet: the panel shows him, not here, and no count of members.
    panel = alice.locator("#room-members")
    expect(panel).to_have_attribute("aria-label", "Bob is not here")
    expect(panel.get_by_role("heading")).to_have_text("Conversation with")
    expect(panel.get_by_test_id("member-name")).to_have_text(["Bob"])
    expect(panel.get_by_test_id("partner-presence")).to_have_text("not here")
    expect(alice.get_by_text("Members (")).to_have_count(0)
    send_message(alice, "just between us")

    direct = bob.get_by_test_id("direct-rooms")
    expect(direct).to_contain_text("Alice")
    expect(direct.get_by_test_id("unread")).to_contain_text("1")
    keep(screenshot(bob, "direct-message-told"))
    direct.get_by_role("button", name="Alice").first.click()
    expect(bob.get_by_role("heading", level=1)).to_have_text("Alice")
    expect(bob.get_by_test_id("message")).to_have_count(1)
    assert message_texts(bob) == ["just between us"]
    expect(bob.get_by_role("log")).not_to_contain_text("@dm:")  # the room is the person, not its name
    expect(bob.locator("#room-members").get_by_test_id("partner-presence")).to_have_text("here")
    expect(bob.locator("#room-members")).to_have_attribute("aria-label", "Alice is here")
    # Both in it now: Alice sees Bob here, in the panel and (narrow) on the panel's toggle.
    expect(panel.get_by_test_id("partner-presence")).to_have_text("here")
    expect(panel).to_have_attribute("aria-label", "Bob is here")
    keep_for_review(screenshot(bob, "direct-message-open"), SHOTS_ROOT)
    alice.set_viewport_size({"width": 420, "height": 760})
    expect(alice.get_by_role("button", name="Bob is here")).to_be_visible()
    keep_for_review(screenshot(alice, "direct-message-narrow"), SHOTS_ROOT)
    # Bob leaves the conversation: Alice sees him gone, under the name she knows him by.
    bob.close()
    expect(alice.get_by_role("button", name="Bob is not here")).to_be_visible()
    assert alice.page_errors == [] and bob.page_errors == []


def join_in_russian(page, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_label("Имя").fill(name)
    page.get_by_label("Комната", exact=True).first.fill("Общая")
    page.get_by_role("button", name="Войти", exact=True).first.click()
    wait_connected(page)


def test_the_direct_messages_section_speaks_russian(lanchat, new_page):
    anya = new_page(locale="ru-RU")
    join_in_russian(anya, lanchat.url, "Аня")
    boris = new_page(locale="ru-RU")
    join_in_russian(boris, lanchat.url, "Борис")
    expect(anya.get_by_test_id("members")).to_contain_text("Борис")
    anya.get_by_role("button", name="Действия: Борис").click()
    anya.get_by_role("menuitem", name="Написать").click()
    expect(anya.get_by_text("Личные сообщения")).to_be_visible()
    panel = anya.locator("#room-members")
    expect(panel.get_by_role("heading")).to_have_text("Собеседник")
    expect(panel).to_have_attribute("aria-label", "Борис не здесь")
    expect(panel.get_by_test_id("partner-presence")).to_have_text("не здесь")
    expect(anya.get_by_text("Участники (")).to_have_count(0)
    box = anya.get_by_label("Сообщение", exact=True)
    box.fill("привет")
    box.press("Enter")
    boris.get_by_test_id("direct-rooms").get_by_role("button", name="Аня").first.click()
    expect(panel).to_have_attribute("aria-label", "Борис здесь")
    expect(panel.get_by_test_id("partner-presence")).to_have_text("здесь")
    keep(screenshot(anya, "direct-messages-ru"))
    keep_for_review(screenshot(anya, "direct-messages-ru"), SHOTS_ROOT)
