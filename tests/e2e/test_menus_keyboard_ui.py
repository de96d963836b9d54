"""The message menu, the member menu and the reaction chips from the keyboard alone, in Debian's
Chromium against a real `lanchat serve`, in English in a wide window and in Russian at 400 px:
arrows move between the items, Escape puts focus back on the menu's button, Tab leaves, and a
reaction toggled keeps its focus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import (
    join_room,
    join_room_in_russian,
    keep_for_review,
    message,
    screenshot,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

# Where people reviewing a change look at its screenshots, when they name a folder.
REVIEW = os.environ.get("LANCHAT_REVIEW_SHOTS")


def keep(path: Path) -> None:
    if REVIEW:
        keep_for_review(path, Path(REVIEW))


ENGLISH = {"join": join_room, "box": "Message", "reply": "Replying to", "locale": "en-US"}
RUSSIAN = {"join": join_room_in_russian, "box": "Сообщение", "reply": "Ответ", "locale": "ru-RU"}


def focused_test_id(page) -> str | None:
    return page.evaluate("document.activeElement?.dataset.testid ?? null")


def focused_text(page) -> str:
    return page.evaluate("document.activeElement?.textContent.trim() ?? ''")


@pytest.mark.parametrize(
    ("language", "width"), [(ENGLISH, 1100), (RUSSIAN, 400)], ids=["english-wide", "russian-400"]
)
def test_the_message_menu_works_from_the_keyboard(lanchat, new_page, language, width):
    anna = new_page(locale=language["locale"])
    language["join"](anna, lanchat.url, "Anna", "general")
    bob = new_page(locale=language["locale"], width=width)
    language["join"](bob, lanchat.url, "Bob", "general")
    box = anna.get_by_label(language["box"], exact=True)
    box.fill("lunch at noon?")
    box.press("Enter")
    expect(message(bob, "lunch at noon?")).to_have_count(1)

    toggle = message(bob, "lunch at noon?").get_by_test_id("message-actions")
    toggle.focus()
    bob.keyboard.press("Enter")
    menu = bob.get_by_role("menu")
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    # Reply is the last item on someone else's message: End, not a Tab per emoji.
    bob.keyboard.press("End")
    reply = menu.get_by_role("menuitem").last
    expect(reply).to_be_focused()
    keep(screenshot(bob, f"keyboard-menu-{width}"))
    bob.keyboard.press("Home")
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    bob.keyboard.press("ArrowUp")  # wraps round to the last
    expect(reply).to_be_focused()

    bob.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # Tab leaves the menu, and it closes behind.
    bob.keyboard.press("Enter")
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    bob.keyboard.press("Tab")
    expect(menu).to_have_count(0)

    toggle.focus()
    bob.keyboard.press("Enter")
    bob.keyboard.press("End")
    bob.keyboard.press("Enter")
    expect(bob.get_by_test_id("composer-context")).to_contain_text(language["reply"])
    expect(bob.get_by_label(language["box"], exact=True)).to_be_focused()

    # A quick reaction from the menu: the button has focus again, not the page.
    toggle.focus()
    bob.keyboard.press("Enter")
    bob.keyboard.press("Enter")
    thumbs = message(bob, "lunch at noon?").locator('[data-testid="reaction"][data-emoji="👍"]')
    expect(thumbs).to_have_text("👍1")
    expect(toggle).to_be_focused()

    # Anna reacts too; Bob's chip, toggled from the keyboard, keeps focus both ways.
    message(anna, "lunch at noon?").locator('[data-emoji="👍"]').click()
    expect(thumbs).to_have_text("👍2")
    thumbs.focus()
    bob.keyboard.press("Space")
    expect(thumbs).to_have_text("👍1")
    expect(thumbs).to_be_focused()
    bob.keyboard.press("Enter")
    expect(thumbs).to_have_text("👍2")
    expect(thumbs).to_be_focused()
    keep(screenshot(bob, f"keyboard-reaction-{width}"))
    # Anna's 👍 was the only one she had put there: it goes, and her menu button takes focus.
    mine = message(anna, "lunch at noon?").locator('[data-emoji="👍"]')
    bob.keyboard.press("Space")
    expect(mine).to_have_text("👍1")
    mine.focus()
    anna.keyboard.press("Space")
    expect(mine).to_have_count(0)
    expect(message(anna, "lunch at noon?").get_by_test_id("message-actions")).to_be_focused()
    assert anna.page_errors == [] and bob.page_errors == []


@pytest.mark.parametrize(
    ("language", "width"), [(ENGLISH, 1100), (RUSSIAN, 400)], ids=["english-wide", "russian-400"]
)
def test_the_member_menu_works_from_the_keyboard(lanchat, new_page, language, width):
    bob = new_page(locale=language["locale"])
    language["join"](bob, lanchat.url, "Bob", "general")
    anna = new_page(locale=language["locale"], width=width)
    language["join"](anna, lanchat.url, "Anna", "general")
    if width < 860:  # the members panel is a drawer behind the header's button there
        anna.locator(".members-toggle").click()
    toggle = anna.get_by_test_id("member-menu")
    expect(toggle).to_have_count(1)
    toggle.focus()
    anna.keyboard.press("Enter")
    menu = anna.get_by_role("menu")
    expect(anna.get_by_test_id("message-member")).to_be_focused()
    keep(screenshot(anna, f"keyboard-member-menu-{width}"))
    anna.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(toggle).to_be_focused()
    anna.keyboard.press("Enter")
    anna.keyboard.press("ArrowDown")  # one item: round to itself
    expect(anna.get_by_test_id("message-member")).to_be_focused()
    anna.keyboard.press("Tab")
    expect(menu).to_have_count(0)
    assert anna.page_errors == []
