"""Right-to-left names, messages and file names in Chromium: they read in their own direction and
never reorder the UI's sentences around them (ui/src/bidi.js, <bdi>, dir="auto").

The server refuses U+202E and other formatting characters in names and room names
(server/rules.py), so the people here have Arabic names, which reorder an unisolated list just as
well: "Seen by علي, سارة" without isolation reads as one right-to-left run, سارة first. A file name
may hold U+202E, and does here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import join_room, keep_for_review, screenshot, send_message

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/work/shots/bidi")
ALI = "علي"
SARA = "سارة"
ARABIC_MESSAGE = "مرحبا بالجميع، كيف حالكم؟"
OVERRIDE_FILE = "\u202eevil.txt"

# Where each name is drawn on the seen-by line, and, for comparison, where it would be drawn in
# the same sentence as plain text with no isolation.
MEASURE_SEEN_BY = """(line) => {
    const names = [...line.querySelectorAll('bdi')].map((bdi) => bdi.getBoundingClientRect().left)
    const plain = document.createElement('p')
    plain.style.cssText = getComputedStyle(line).cssText
    plain.textContent = line.textContent
    line.after(plain)
    const node = plain.firstChild
    const left = (word) => {
        const range = document.createRange()
        const start = node.data.indexOf(word)
        range.setStart(node, start)
        range.setEnd(node, start + word.length)
        return range.getBoundingClientRect().left
    }
    const words = [...line.querySelectorAll('bdi')].map((bdi) => bdi.textContent)
    const unisolated = words.map(left)
    plain.remove()
    return { words, names, unisolated }
}"""


def test_arabic_names_keep_their_order_and_an_arabic_message_reads_right_to_left(lanchat, new_page, tmp_path):
    anna = new_page()
    ali = new_page()
    sara = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    join_room(ali, lanchat.url, ALI, "general")
    join_room(sara, lanchat.url, SARA, "general")

    send_message(ali, ARABIC_MESSAGE)
    send_message(anna, "Lunch at noon?")
    for page in (ali, sara):
        expect(page.get_by_test_id("message").filter(has_text="Lunch at noon?")).to_be_visible()

    # The Arabic message finds its own direction; an English one stays left to right.
    arabic = anna.get_by_test_id("message").filter(has_text=ARABIC_MESSAGE).get_by_test_id("text")
    english = anna.get_by_test_id("message").filter(has_text="Lunch at noon?").get_by_test_id("text")
    assert arabic.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert english.evaluate("element => getComputedStyle(element).direction") == "ltr"
    sender = anna.get_by_test_id("message").filter(has_text=ARABIC_MESSAGE).get_by_test_id("sender")
    expect(sender).to_have_text(ALI)

    # "Seen by علي, سارة": each name isolated, drawn left to right in the order the line lists them,
    # where the same words as plain text would swap.
    seen = anna.get_by_test_id("message").filter(has_text="Lunch at noon?").get_by_test_id("seen-by")
    expect(seen.locator("bdi")).to_have_count(2, timeout=15_000)
    drawn = seen.evaluate(MEASURE_SEEN_BY)
    assert sorted(drawn["words"]) == sorted([ALI, SARA])
    assert drawn["names"][0] < drawn["names"][1], drawn
    assert drawn["unisolated"][0] > drawn["unisolated"][1], drawn  # the test would catch a regression
    assert seen.evaluate("line => line.textContent.trim().startsWith('Seen by')")

    # The member list: each name its own isolated element, "(you)" after Ali's own.
    member = ali.get_by_test_id("members").locator("li").filter(has_text="(you)")
    name_box = member.locator(".name").bounding_box()
    you_box = member.locator(".me").bounding_box()
    assert name_box and you_box and you_box["x"] >= name_box["x"] + name_box["width"] - 1
    assert member.locator(".name").evaluate("element => getComputedStyle(element).unicodeBidi") == "isolate"

    # A file name with RIGHT-TO-LEFT OVERRIDE ("invoice...exe" showing as "...pdf") is refused by
    # the host, in plain words; the sender's own row shows the name isolated meanwhile, so it
    # reorders nothing else, and nobody else ever sees the file.
    evil = tmp_path / OVERRIDE_FILE
    evil.write_text("not an executable\n")
    anna.get_by_test_id("attach-input").set_input_files(str(evil))
    expect(anna.get_by_test_id("upload-error")).to_contain_text(
        "does not accept this file name", timeout=20_000
    )
    row_name = anna.get_by_test_id("upload").locator(".name")
    assert row_name.evaluate("element => getComputedStyle(element).unicodeBidi") == "isolate"
    expect(sara.get_by_test_id("file-card")).to_have_count(0)

    keep_for_review(screenshot(anna, "bidi-anna-seen-by"), SHOTS)
    keep_for_review(screenshot(ali, "bidi-ali-members"), SHOTS)
    keep_for_review(screenshot(sara, "bidi-sara-file"), SHOTS)
    assert anna.page_errors == [] and ali.page_errors == [] and sara.page_errors == []
