"""Reply, edit, delete and react between two people in Debian's Chromium against a real
`lanchat serve`, in English and Russian; a reply's quote takes the reader to an original that
is not loaded yet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.storage.sqlite_history import SqliteHistoryStore
from tests.support.browser import (
    isolated,
    join_room,
    join_room_in_russian,
    keep_for_review,
    message,
    message_texts,
    open_actions,
    screenshot,
    send_message,
    wait_connected,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/work/shots/chatui")


def keep(path: Path) -> None:
    keep_for_review(path, SHOTS)


def test_two_people_reply_react_edit_and_delete(lanchat, new_page):
    anna = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    bob = new_page()
    join_room(bob, lanchat.url, "Bob", "general")
    send_message(anna, "lunch at noon?\nor later")
    expect(bob.get_by_test_id("message")).to_have_count(1)

    # Bob answers it: the composer says to whom, the reply carries a quote of the first line.
    open_actions(bob, "lunch at noon?").get_by_role("menuitem", name="Reply").click()
    expect(bob.get_by_test_id("composer-context")).to_contain_text("Replying to Anna")
    send_message(bob, "noon works")
    expect(bob.get_by_test_id("composer-context")).to_have_count(0)
    quote = message(anna, "noon works").get_by_test_id("reply-quote")
    expect(quote).to_have_text("Annalunch at noon?")

    # Reactions: Bob's quick 👍 and a typed 🦄; Anna's click adds hers, a second takes it back.
    open_actions(bob, "lunch at noon?").get_by_role("menuitem", name="👍").click()
    menu = open_actions(bob, "lunch at noon?")
    menu.get_by_test_id("other-reaction").fill("🦄")
    menu.get_by_role("button", name="Add").click()
    thumbs = message(anna, "lunch at noon?").locator('[data-testid="reaction"][data-emoji="👍"]')
    expect(thumbs).to_have_text("👍1")
    expect(thumbs).to_have_attribute(
        "title", f"{isolated('Bob')} reacted with 👍"
    )  # names isolated: ui/src/bidi.js
    expect(message(anna, "lunch at noon?").locator('[data-emoji="🦄"]')).to_have_text("🦄1")
    thumbs.click()
    expect(thumbs).to_have_text("👍2")
    expect(thumbs).to_have_attribute("aria-pressed", "true")
    expect(message(bob, "lunch at noon?").locator('[data-emoji="👍"]')).to_have_attribute(
        "title", f"you, {isolated('Anna')} reacted with 👍"
    )
    keep(screenshot(anna, "reactions-and-reply"))
    thumbs.click()
    expect(thumbs).to_have_text("👍1")

    # A reaction the server refuses is explained in plain words.
    menu = open_actions(bob, "lunch at noon?")
    menu.get_by_test_id("other-reaction").fill("not one")
    menu.get_by_role("button", name="Add").click()
    expect(bob.get_by_test_id("room-error")).to_contain_text("use one emoji")

    # Someone else's message offers no Edit or Delete.
    menu = open_actions(bob, "lunch at noon?")
    expect(menu.get_by_role("menuitem")).to_contain_text(["Reply"])
    expect(menu.get_by_role("menuitem", name="Edit")).to_have_count(0)
    expect(menu.get_by_role("menuitem", name="Delete")).to_have_count(0)
    bob.keyboard.press("Escape")

    # Anna edits hers from its menu, then again with Up in the empty composer.
    open_actions(anna, "lunch at noon?").get_by_role("menuitem", name="Edit").click()
    box = anna.get_by_label("Message", exact=True)
    expect(box).to_have_value("lunch at noon?\nor later")
    box.fill("lunch at 12:30?")
    box.press("Enter")
    edited = message(bob, "lunch at 12:30?")
    expect(edited.get_by_test_id("edited")).to_have_text("edited")
    box.press("ArrowUp")
    expect(anna.get_by_test_id("composer-context")).to_contain_text("Editing your message")
    expect(box).to_have_value("lunch at 12:30?")
    box.fill("lunch at 1?")
    box.press("Enter")
    expect(message(bob, "noon works").get_by_test_id("reply-quote")).to_have_text("Annalunch at 1?")
    keep(screenshot(bob, "edited-message"))

    # Anna deletes it: a mark in its place for both, and the reply's quote loses its text.
    open_actions(anna, "lunch at 1?").get_by_role("menuitem", name="Delete").click()
    anna.get_by_test_id("confirm-delete").click()
    expect(bob.get_by_test_id("deleted")).to_have_text("message deleted")
    expect(bob.get_by_test_id("message").first.get_by_test_id("reactions")).to_have_count(0)
    expect(message(bob, "noon works").get_by_test_id("reply-quote")).to_have_text("Annamessage deleted")
    assert "lunch at 1?" not in " ".join(message_texts(bob))
    keep(screenshot(bob, "deleted-message"))
    assert anna.page_errors == [] and bob.page_errors == []


def test_a_quote_takes_the_reader_to_an_original_that_was_not_loaded(serve_process, tmp_path, new_page):
    data = tmp_path / "data"
    store = SqliteHistoryStore(data)
    try:
        first = store.append("history", "Anna", "the very first message")
        for number in range(300):
            store.append("history", "Bob", f"filler {number}")
        store.append("history", "Bob", "about that first one", reply_to=first.id)
    finally:
        store.close()
    server = serve_process(data_dir=data)
    carol = new_page()
    join_room(carol, server.url, "Carol", "history")
    expect(message(carol, "the very first message")).to_have_count(0)
    message(carol, "about that first one").get_by_test_id("reply-quote").click()
    original = message(carol, "the very first message")
    expect(original).to_be_in_viewport()
    expect(original).to_have_class(re.compile(r"\bjumped-to\b"))
    keep(screenshot(carol, "jump-to-original"))
    assert carol.page_errors == []


def test_edits_off_and_the_menu_speak_russian_at_400_px(serve_process, new_page):
    server = serve_process(extra_args=("--edit-window-hours", "0"))
    anya = new_page(locale="ru-RU", width=400, height=760)
    join_room_in_russian(anya, server.url, "Аня", "Общая")
    boris = new_page(locale="ru-RU")
    join_room_in_russian(boris, server.url, "Борис", "Общая")
    box = anya.get_by_label("Сообщение", exact=True)
    box.fill("привет всем")
    box.press("Enter")
    expect(boris.get_by_test_id("message")).to_have_count(1)

    menu = open_actions(anya, "привет всем")
    expect(menu.get_by_role("menuitem", name="Ответить")).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Удалить")).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Изменить")).to_have_count(0)  # the host turned edits off
    keep(screenshot(anya, "message-menu-ru-400"))
    menu.get_by_role("menuitem", name="🎉").click()
    expect(message(boris, "привет всем").locator('[data-emoji="🎉"]')).to_have_attribute(
        "title", f"{isolated('Аня')}: 🎉"
    )
    box.press("ArrowUp")  # nothing may be edited: the composer stays as it was
    expect(anya.get_by_test_id("composer-context")).to_have_count(0)

    open_actions(boris, "привет всем").get_by_role("menuitem", name="Ответить").click()
    expect(boris.get_by_test_id("composer-context")).to_contain_text("Ответ для Аня")
    reply = boris.get_by_label("Сообщение", exact=True)
    reply.fill("и тебе")
    reply.press("Enter")
    expect(message(anya, "и тебе").get_by_test_id("reply-quote")).to_have_text("Аняпривет всем")
    keep(screenshot(anya, "reply-ru-400"))
    wait_connected(anya)
    assert anya.page_errors == [] and boris.page_errors == []
