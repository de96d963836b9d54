"""Mentions, muted rooms, unread counts and the "New messages" line, between two people in
Debian's Chromium against a real `lanchat serve`, in English and Russian."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import (
    isolated,
    join_room,
    join_room_in_russian,
    keep_for_review,
    screenshot,
    send_message,
    wait_connected,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/work/shots/chatui")

# The browser's Notification API is the boundary: a stand-in that records what the page shows,
# on a page that is in the background (document.hasFocus() false), as when the person is elsewhere.
RECORD_NOTIFICATIONS = """
window.__shown = [];
class RecordingNotification {
  static permission = 'granted';
  static requestPermission() { return Promise.resolve('granted'); }
  constructor(title, options) { window.__shown.push([title, options.body]); }
}
window.Notification = RecordingNotification;
document.hasFocus = () => false;
"""


def keep(path: Path) -> None:
    keep_for_review(path, SHOTS)


def join_another(page, room: str, *, label: str = "Room", button: str = "Join") -> None:
    page.locator(".join-another").click()
    page.get_by_label(label, exact=True).first.fill(room)
    page.get_by_role("button", name=button, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(room)
    wait_connected(page)


def sidebar_row(page, room: str):
    return page.locator("#app-sidebar li").filter(has_text=room)


def test_a_mention_completes_is_highlighted_and_notifies_even_in_a_muted_room(lanchat, new_page):
    anna = new_page()
    anna.add_init_script(RECORD_NOTIFICATIONS)
    join_room(anna, lanchat.url, "Anna", "general")
    anna.get_by_test_id("notifications-toggle").check()
    anna.get_by_test_id("mute-toggle").click()
    expect(anna.get_by_test_id("mute-toggle")).to_have_attribute("aria-pressed", "true")
    bob = new_page()
    join_room(bob, lanchat.url, "Bob", "general")

    send_message(bob, "just chatter")
    expect(anna.get_by_test_id("message")).to_have_count(1)
    box = bob.get_by_label("Message", exact=True)
    box.fill("")
    box.press_sequentially("look @an")
    expect(bob.get_by_test_id("mention-option")).to_have_text(["@Anna"])
    keep(screenshot(bob, "mention-completion"))
    box.press("Enter")
    expect(box).to_have_value("look @Anna ")
    box.press_sequentially("here")
    box.press("Enter")

    expect(anna.get_by_test_id("message")).to_have_count(2)
    mentioned = anna.locator("[data-mentioned]")
    expect(mentioned).to_have_count(1)
    expect(mentioned).to_contain_text("look @Anna here")
    anna.wait_for_function("window.__shown.length > 0")
    assert anna.evaluate("window.__shown") == [
        [f"{isolated('Bob')} mentioned you in {isolated('general')}", "look @Anna here"]
    ]
    keep(screenshot(anna, "mention-highlight"))
    # The muted room said nothing of the chatter, then or after the gathering window.
    anna.wait_for_timeout(3500)
    assert anna.evaluate("window.__shown.length") == 1
    assert anna.page_errors == [] and bob.page_errors == []


def test_unread_counts_a_quiet_count_when_muted_and_the_new_messages_line_after_a_reload(lanchat, new_page):
    anna = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    join_another(anna, "random")
    bob = new_page()
    join_room(bob, lanchat.url, "Bob", "general")
    send_message(bob, "one")
    send_message(bob, "two")
    row = sidebar_row(anna, "general")
    expect(row.get_by_test_id("unread")).to_contain_text("2")
    expect(row.get_by_test_id("unread")).to_have_attribute("data-muted", "false")

    row.get_by_role("button").first.click()
    line = anna.get_by_test_id("new-messages-line")
    expect(line).to_have_text("New messages")
    expect(anna.locator(".message-item").filter(has=line)).to_contain_text("one")
    keep(screenshot(anna, "new-messages-line"))
    anna.get_by_test_id("mute-toggle").click()
    sidebar_row(anna, "random").get_by_role("button").first.click()

    send_message(bob, "three")
    send_message(bob, "four @Anna")
    expect(bob.locator('[data-testid="message"][data-state="sent"]')).to_have_count(4)
    expect(row.get_by_test_id("unread")).to_contain_text("2")
    expect(row.get_by_test_id("unread")).to_have_attribute("data-muted", "true")
    expect(row.get_by_test_id("mentioned")).to_be_visible()

    # Reload: the room stays muted, the count and the line come back from where reading stopped.
    anna.reload()
    wait_connected(anna)
    row = sidebar_row(anna, "general")
    expect(row.get_by_test_id("unread")).to_contain_text("2")
    expect(row.get_by_test_id("unread")).to_have_attribute("data-muted", "true")
    row.get_by_role("button").first.click()
    expect(anna.get_by_test_id("mute-toggle")).to_have_attribute("aria-pressed", "true")
    line = anna.get_by_test_id("new-messages-line")
    expect(anna.locator(".message-item").filter(has=line)).to_contain_text("three")
    expect(row.get_by_test_id("unread")).to_have_count(0)
    keep(screenshot(anna, "new-messages-after-reload"))
    assert anna.page_errors == []


def test_mentions_mute_and_the_line_speak_russian_at_400_px(lanchat, new_page):
    anya = new_page(locale="ru-RU", width=400, height=760)
    join_room_in_russian(anya, lanchat.url, "Аня", "Общая")
    expect(anya.get_by_test_id("mute-toggle")).to_have_attribute("aria-label", "Без звука: Общая")
    boris = new_page(locale="ru-RU")
    join_room_in_russian(boris, lanchat.url, "Борис", "Общая")

    box = boris.get_by_label("Сообщение", exact=True)
    box.press_sequentially("@")
    expect(boris.get_by_role("listbox", name="Кого упомянуть")).to_be_visible()  # noqa: RUF001
    everyone = "все в комнате"
    expect(boris.get_by_test_id("mention-option")).to_have_text(
        ["@Аня", f"@all{everyone}", f"@here{everyone}"]
    )
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Tab")
    box.press_sequentially("привет")
    box.press("Enter")
    expect(anya.locator("[data-mentioned]")).to_contain_text("@Аня привет")

    # Away on the Join screen, then back: the line shows above what came meanwhile.
    anya.get_by_role("button", name="☰ Комнаты").click()
    anya.locator(".join-another").click()
    box.fill("пока вас не было")
    box.press("Enter")
    anya.get_by_role("button", name="Назад к чату").click()
    expect(anya.get_by_test_id("new-messages-line")).to_have_text("Новые сообщения")
    keep(screenshot(anya, "new-messages-ru-400"))
    anya.get_by_test_id("mute-toggle").click()
    expect(anya.get_by_test_id("mute-toggle")).to_have_attribute("aria-label", "Включить уведомления: Общая")
    keep(screenshot(anya, "muted-ru-400"))
    assert anya.page_errors == [] and boris.page_errors == []
