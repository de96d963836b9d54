"""Comings, goings and renames as people see them (Chromium against `lanchat serve`): one line for
several joins, nothing for a quick reload, a rename as a rename everywhere, long names on one
line, and each reader named once under a message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server.protocol.limits import MAX_SENDER_CHARS
from tests.support.browser import join_room, join_room_in_russian, screenshot, send_message

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/tmp/shots/ui-fixes-b")
LONG_NAME = "Александра Константиновна Попова"  # MAX_SENDER_CHARS: the longest a name may be
OTHER_LONG_NAME = "Константин Александрович Петров"


def keep(path: Path) -> None:
    """Also put the screenshot where people reviewing this change look, when that folder exists."""
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


def notices(page):
    """The lines of comings, goings and renames (not the room's "beginning" line)."""
    return page.locator('[data-testid="notice"] p[data-event]')


def test_a_rename_shows_as_a_rename_in_the_room_the_member_list_and_the_direct_conversation(
    lanchat, new_page
):
    anna = new_page()
    bob = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    join_room(bob, lanchat.url, "Bob", "general")
    expect(bob.get_by_test_id("members")).to_contain_text("Anna")
    bob.get_by_role("button", name="Actions for Anna").click()
    bob.get_by_test_id("message-member").click()
    expect(bob.get_by_test_id("direct-rooms")).to_contain_text("Anna")
    send_message(bob, "hi Anna")
    bob.locator("#app-sidebar").get_by_role("button", name="general Connected").click()
    send_message(anna, "before")
    expect(bob.get_by_test_id("message").filter(has_text="before")).to_be_visible()

    panel = anna.get_by_test_id("settings-panel")
    panel.get_by_label("Others see you as").fill("Anna K.")
    panel.get_by_role("button", name="Rename").click()

    expect(notices(bob).last).to_have_text("Anna is now Anna K.")
    expect(bob.locator('[data-testid="members"] li .name')).to_have_text(["Anna K.", "Bob"])
    expect(bob.get_by_test_id("direct-rooms")).to_contain_text("Anna K.")
    expect(bob.get_by_role("log")).not_to_contain_text("Anna left")
    expect(bob.get_by_role("log")).not_to_contain_text("joined")
    keep(screenshot(bob, "presence-rename-en"))
    assert anna.page_errors == [] and bob.page_errors == []


def test_joins_fold_into_one_line_and_a_quick_reload_shows_nothing(lanchat, new_page):
    watcher = new_page()
    join_room(watcher, lanchat.url, "Mallory", "general")
    send_message(watcher, "who is here?")
    guests = []
    for name in ("Chen", "Dana", "Eve"):
        guests.append(page := new_page())
        join_room(page, lanchat.url, name, "general")
    expect(watcher.get_by_test_id("members")).to_contain_text("Eve")
    expect(notices(watcher)).to_have_count(1)
    expect(notices(watcher)).to_have_text("3 people joined")
    expect(notices(watcher).get_by_test_id("notice-joined")).to_have_attribute(
        "title", "\u2068Chen\u2069, \u2068Dana\u2069, \u2068Eve\u2069"
    )

    guests[0].reload()
    guests[0].get_by_role("log").wait_for()
    expect(watcher.get_by_test_id("members")).to_contain_text("Chen")
    guests[1].close()
    expect(notices(watcher)).to_have_text("3 people joined · Dana left")
    guests[0].reload()  # Chen again: a reload is no news, however often
    guests[0].get_by_role("log").wait_for()
    send_message(guests[0], "back")
    expect(watcher.get_by_test_id("message").filter(has_text="back")).to_be_visible()
    expect(notices(watcher)).to_have_text("3 people joined · Dana left")
    keep(screenshot(watcher, "presence-folded-en"))
    assert watcher.page_errors == []


def test_the_folded_lines_and_a_rename_speak_russian(lanchat, new_page):
    watcher = new_page(locale="ru-RU", width=400, height=760)
    join_room_in_russian(watcher, lanchat.url, "Маша", "общая")
    for name in ("Гость", "Петя", "Вася", "Оля", "Дима"):
        join_room_in_russian(new_page(locale="ru-RU"), lanchat.url, name, "общая")
    expect(notices(watcher)).to_have_text("5 человек вошли")
    anya = new_page(locale="ru-RU")
    join_room_in_russian(anya, lanchat.url, "Аня", "общая")
    expect(notices(watcher)).to_have_text("6 человек вошли")
    box = watcher.get_by_label("Сообщение", exact=True)
    box.fill("привет всем")
    box.press("Enter")
    anya.get_by_test_id("settings-panel").get_by_label("Вас видят как").fill("Аня К.")  # noqa: RUF001
    anya.get_by_test_id("settings-panel").get_by_role("button", name="Сменить").click()
    expect(notices(watcher).last).to_have_text("Аня теперь Аня К.")  # noqa: RUF001
    # Readers by the names they have now.
    expect(watcher.get_by_test_id("seen-by")).to_contain_text("Аня К.")  # noqa: RUF001
    keep(screenshot(watcher, "presence-russian-400"))
    watcher.set_viewport_size({"width": 1100, "height": 760})
    expect(watcher.locator('[data-testid="members"] li .name')).to_contain_text(["Аня К."])  # noqa: RUF001
    keep(screenshot(watcher, "presence-russian-wide"))
    assert watcher.page_errors == []


@pytest.mark.parametrize("width", [400, 1100])
def test_a_long_name_stays_on_one_line_with_you_and_the_menu_and_shows_whole_on_hover_and_focus(
    lanchat, new_page, width
):
    assert len(LONG_NAME) == MAX_SENDER_CHARS
    me = new_page(width=width)
    join_room(me, lanchat.url, LONG_NAME, "general")
    other = new_page()
    join_room(other, lanchat.url, OTHER_LONG_NAME, "general")
    if width < 700:
        me.get_by_role("button", name="Members (2)").click()
    rows = me.locator('[data-testid="members"] li')
    expect(rows).to_have_count(2)
    for row in rows.all():
        name = row.get_by_test_id("member-name")
        expect(name).to_have_attribute("title", name.text_content())
        assert name.evaluate("element => element.scrollWidth > element.clientWidth")  # an ellipsis
        parts = [name, row.locator(".me"), row.get_by_test_id("member-menu"), row.locator(".online")]
        boxes = [part.bounding_box() for part in parts if part.count()]
        assert len(boxes) == 3  # the dot, the name, and "(you)" or the menu
        middles = {round(box["y"] + box["height"] / 2) for box in boxes}
        assert max(middles) - min(middles) <= 2, f"not on one line: {boxes}"
        assert all(box["x"] + box["width"] <= width for box in boxes)
    keep(screenshot(me, f"presence-long-name-{width}"))
    mine = rows.filter(has=me.locator(".me")).get_by_test_id("member-name")
    expect(mine).to_have_text(LONG_NAME)
    expect(mine).to_have_attribute("tabindex", "0")
    mine.focus()
    assert mine.evaluate("element => element.scrollWidth <= element.clientWidth")  # whole while focused
    keep(screenshot(me, f"presence-long-name-{width}-focused"))
    assert me.page_errors == []


def test_seen_by_names_each_reader_once(lanchat, new_page):
    anna = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    send_message(anna, "read me")
    mallory = new_page()
    join_room(mallory, lanchat.url, "Mallory", "general")
    for _ in range(2):  # two guests in turn, each its own browser, both called Гость
        guest = new_page()
        join_room(guest, lanchat.url, "Гость", "general")
        expect(guest.get_by_test_id("message").filter(has_text="read me")).to_be_visible()
        expect(anna.get_by_test_id("seen-by")).to_contain_text("Гость")
        guest.close()
        expect(anna.get_by_test_id("members")).not_to_contain_text("Гость")
    expect(anna.get_by_test_id("seen-by")).to_have_text("Seen by Mallory, Гость")
    keep(screenshot(anna, "presence-seen-by-en"))
    assert anna.page_errors == []
