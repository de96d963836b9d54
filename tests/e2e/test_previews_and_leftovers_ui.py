"""What is left on screen after a jump, and Markdown in one-line previews, in Debian's Chromium
against a real `lanchat serve`, in English in a wide window and in Russian at 400 px: a quote, the
reply bar and a search result show "**lanchat**" as "lanchat"; the light on a message jumped to
is on its bubble (never on the day's divider) and goes within seconds; no jump-to-latest arrow at
the bottom; the image viewer's top bar covers the header."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.support.browser import (
    join_room,
    join_room_in_russian,
    keep_for_review,
    message,
    screenshot,
    send_message,
    wait_connected,
)
from tests.support.images import png_bytes

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

# Where people reviewing a change look at its screenshots, when they name a folder.
REVIEW = os.environ.get("LANCHAT_REVIEW_SHOTS")

ENGLISH = {"join": join_room, "box": "Message", "reply": "Reply", "today": "Today", "locale": "en-US"}
RUSSIAN = {
    "join": join_room_in_russian,
    "box": "Сообщение",
    "reply": "Ответить",
    "today": "Сегодня",
    "locale": "ru-RU",
}
LANGUAGES = pytest.mark.parametrize(
    ("language", "width"), [(ENGLISH, 1100), (RUSSIAN, 400)], ids=["english-wide", "russian-400"]
)


def keep(path: Path) -> None:
    if REVIEW:
        keep_for_review(path, Path(REVIEW))


def send(page, language, text: str) -> None:
    box = page.get_by_label(language["box"], exact=True)
    box.fill(text)
    box.press("Enter")


def background(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).backgroundColor")


# Records the colours at the moment a row lights up, whatever the machine's speed: the light's
# lifetime is seconds, and reading it afterwards would race it.
RECORD_THE_LIGHT = """
window.lightSeen = new Promise((resolve) => {
  const observer = new MutationObserver(() => {
    const row = document.querySelector('.jumped-to')
    if (!row) return
    observer.disconnect()
    const colour = (element) => element && getComputedStyle(element).backgroundColor
    resolve({
      row: colour(row),
      bubble: colour(row.querySelector('.bubble')),
      day: colour(row.querySelector('[role=separator]')),
    })
  })
  const watched = { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] }
  observer.observe(document.body, watched)
})
true
"""


@LANGUAGES
def test_markdown_shows_as_plain_text_in_quotes_the_reply_bar_and_search(lanchat, new_page, language, width):
    anna = new_page(locale=language["locale"])
    language["join"](anna, lanchat.url, "Anna", "general")
    bob = new_page(locale=language["locale"], width=width)
    language["join"](bob, lanchat.url, "Bob", "general")
    send(anna, language, "**lanchat** is _here_, try `npm ci`")
    original = message(bob, "lanchat is here")
    expect(original).to_have_count(1)

    original.get_by_test_id("message-actions").click()
    bob.get_by_role("menuitem", name=language["reply"]).click()
    line = bob.get_by_test_id("composer-context").locator(".line")
    expect(line).to_have_text("lanchat is here, try npm ci")
    keep(screenshot(bob, f"plain-reply-bar-{width}"))
    send(bob, language, "on my way")
    quote = message(anna, "on my way").get_by_test_id("reply-quote")
    expect(quote).to_have_text("Annalanchat is here, try npm ci")

    bob.get_by_test_id("search-open").click()
    panel = bob.get_by_test_id("search-panel")
    panel.get_by_test_id("search-input").fill("lanchat")
    panel.get_by_test_id("search-input").press("Enter")
    result = panel.get_by_test_id("search-result")
    expect(result).to_have_count(1)
    expect(result.locator(".snippet")).to_have_text("lanchat is here, try npm ci")
    expect(result.locator("mark")).to_have_text("lanchat")
    keep(screenshot(bob, f"plain-search-result-{width}"))
    assert anna.page_errors == [] and bob.page_errors == []


@LANGUAGES
def test_a_jump_lights_the_bubble_for_a_few_seconds_and_leaves_nothing_behind(
    lanchat, new_page, language, width
):
    anna = new_page(locale=language["locale"], width=width)
    language["join"](anna, lanchat.url, "Anna", "general")
    send(anna, language, "the kangaroo budget")
    for number in range(3):
        send(anna, language, f"note {number}")
    expect(anna.get_by_test_id("message")).to_have_count(4)

    anna.get_by_test_id("search-open").click()
    panel = anna.get_by_test_id("search-panel")
    panel.get_by_test_id("search-input").fill("kangaroo")
    panel.get_by_test_id("search-input").press("Enter")
    anna.evaluate(RECORD_THE_LIGHT)
    panel.get_by_test_id("search-result").click()
    wait_connected(anna)
    found = message(anna, "the kangaroo budget")
    expect(found).to_have_class(re.compile(r"\bjumped-to\b|\bjump-fading\b|^message-item own$"))
    seen = anna.evaluate("window.lightSeen")
    unlit = background(message(anna, "note 0").locator(".bubble"))
    # The light is on the bubble; the row and the "Today" divider above it stay as they were.
    assert seen["bubble"] != unlit
    assert seen["row"] == "rgba(0, 0, 0, 0)"
    day = found.get_by_role("separator")
    expect(day).to_have_text(language["today"])
    assert seen["day"] == background(day)
    # A short room: the message jumped to cannot be scrolled up, the list is at its bottom.
    expect(anna.locator(".jump")).to_have_count(0)
    keep(screenshot(anna, f"jump-lit-{width}"))

    # It fades and is gone within seconds; nothing lit stays behind.
    expect(anna.locator(".jumped-to, .jump-fading")).to_have_count(0)
    assert background(found.locator(".bubble")) == unlit
    keep(screenshot(anna, f"jump-gone-{width}"))

    assert anna.page_errors == []


def test_a_room_opened_again_after_a_jump_opens_where_it_was_left_not_at_the_jump(lanchat, new_page):
    anna = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    send_message(anna, "the kangaroo budget")
    for number in range(40):
        send_message(anna, f"note {number}")
    expect(message(anna, "note 39")).to_be_visible()
    anna.get_by_role("button", name="Join a room").click()
    anna.get_by_label("Room", exact=True).first.fill("random")
    anna.get_by_role("button", name="Join", exact=True).first.click()
    wait_connected(anna)

    anna.get_by_test_id("search-open").click()
    panel = anna.get_by_test_id("search-panel")
    panel.get_by_test_id("search-input").fill("kangaroo")
    panel.get_by_test_id("search-input").press("Enter")
    panel.get_by_test_id("search-result").click()
    expect(message(anna, "the kangaroo budget")).to_be_in_viewport()
    # The reader scrolls down until the newest note shows, as a reader keeps scrolling: one
    # programmatic jump to scrollHeight can land between two settles of the list that still hold
    # it at the message jumped to, and then it does not move.
    anna.wait_for_function(
        """() => {
            const list = document.querySelector('[data-testid="message-list"]')
            list.scrollTop = list.scrollHeight
            return [...list.querySelectorAll('[data-testid="text"]')]
                .some((text) => text.textContent.trim() === 'note 39')
        }"""
    )
    expect(message(anna, "note 39")).to_be_in_viewport()

    sidebar = anna.get_by_role("navigation", name="Your rooms")
    sidebar.get_by_role("button", name=re.compile(r"^random")).click()
    expect(anna.get_by_role("heading", name="random")).to_be_visible()
    sidebar.get_by_role("button", name=re.compile(r"^general")).click()
    expect(message(anna, "note 39")).to_be_in_viewport()
    expect(message(anna, "the kangaroo budget")).not_to_be_in_viewport()
    expect(anna.locator(".jumped-to")).to_have_count(0)
    assert anna.page_errors == []


@LANGUAGES
def test_the_image_viewer_covers_the_header(lanchat, new_page, tmp_path, language, width):
    page = new_page(locale=language["locale"], width=width)
    language["join"](page, lanchat.url, "Anna", "photos")
    image = tmp_path / "picture.png"
    image.write_bytes(png_bytes(800, 600))
    page.get_by_test_id("attach-input").set_input_files(str(image))
    preview = page.get_by_test_id("image-preview")
    expect(preview).to_have_count(1, timeout=20_000)
    search = page.get_by_test_id("search-open")
    box = search.bounding_box()
    preview.click()
    viewer = page.get_by_role("dialog")
    expect(viewer).to_be_visible()
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('[role=dialog]') !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top
    bar = viewer.locator(".bar")
    assert bar.evaluate("element => getComputedStyle(element).backgroundColor") == "rgb(0, 0, 0)"
    keep(screenshot(page, f"viewer-over-header-{width}"))
    assert page.page_errors == []
