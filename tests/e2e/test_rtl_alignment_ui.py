"""A one-line right-to-left message sits at the right of its bubble, in Debian's Chromium: the
text finds its own direction (dir="auto") and aligns to its own start, also when the bubble is
wider than the text (here a long sender name above it). A mixed line takes the direction of its
first strong letter, so one that starts in English stays at the left."""

from __future__ import annotations

import pytest

from tests.support.browser import join_room, join_room_in_russian, screenshot, send_message

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SENDER = "Konstantin Konstantinopolsky"
# (text, the side of the bubble it should sit on)
LINES = [
    ("שלום לכולם", "right"),  # Hebrew
    ("مرحبا", "right"),  # Arabic
    ("שלום, see you at 5", "right"),  # starts in Hebrew
    ("See you at 5, שלום", "left"),  # starts in English
]

# Where the drawn text lies inside the bubble's content box: the gaps on its left and right.
GAPS = """(text) => {
    const bubble = text.closest('.bubble')
    const box = bubble.getBoundingClientRect()
    const style = getComputedStyle(bubble)
    const range = document.createRange()
    range.selectNodeContents(text)
    const drawn = range.getBoundingClientRect()
    return {
        left: drawn.left - (box.left + parseFloat(style.paddingLeft)),
        right: box.right - parseFloat(style.paddingRight) - drawn.right,
        direction: getComputedStyle(text).direction,
    }
}"""


@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
def test_a_one_line_right_to_left_message_sits_at_the_right_of_its_bubble(lanchat, new_page, locale):
    sender = new_page()
    other = new_page()
    reader = new_page(locale=locale)
    join_room(sender, lanchat.url, SENDER, "rtl")
    join_room(other, lanchat.url, "Bob", "rtl")
    if locale == "ru-RU":
        join_room_in_russian(reader, lanchat.url, "Анна", "rtl")
    else:
        join_room(reader, lanchat.url, "Anna", "rtl")
    for number, (text, _) in enumerate(LINES):
        send_message(sender, text)
        expect(reader.get_by_test_id("text").filter(has_text=text)).to_be_visible()
        # Another person in between, so each line has its sender's name above it.
        send_message(other, f"ok {number}")
        expect(reader.get_by_test_id("text").filter(has_text=f"ok {number}")).to_be_visible()

    for text, side in LINES:
        shown = reader.get_by_test_id("message").filter(has_text=text).first
        expect(shown.get_by_test_id("sender")).to_have_text(SENDER)
        gaps = shown.get_by_test_id("text").evaluate(GAPS)
        assert gaps["direction"] == ("rtl" if side == "right" else "ltr"), (text, gaps)
        near, far = (gaps["right"], gaps["left"]) if side == "right" else (gaps["left"], gaps["right"])
        assert abs(near) <= 1, (text, gaps)  # against its own side of the bubble
        assert far > 40, (text, gaps)  # and the bubble is wider than the text
    screenshot(reader, f"rtl-one-liners-{locale}")
    assert reader.page_errors == []
