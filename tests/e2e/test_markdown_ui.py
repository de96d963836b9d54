"""The Markdown subset in messages, between two people in Debian's Chromium against a real `lanchat serve`."""

from __future__ import annotations

import json
import time

import pytest
from websockets.sync.client import connect

from tests.support.browser import join_room, message_texts, screenshot, send_message

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

ATTACKS = [
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(2))",
    "[click](data:text/html,<script>alert(3)</script>)",
    "[click](vbscript:msgbox(4))",
    "![x](https://example.com/x.png) ![y](javascript:alert(5))",
    "**<img src=x onerror=alert(6)>**",
    "`<script>alert(7)</script>`",
    "```\n<svg onload=alert(8)>\n```",
    "> <iframe src=javascript:alert(9)></iframe>",
    "<javascript:alert(10)>",
    "[a](<javascript:alert(11)>) [b](java\tscript:alert(12))",
]


def test_markdown_shaped_attacks_stay_text_and_formatting_reaches_the_other_person(lanchat, new_page):
    anna = new_page()
    bob = new_page()
    dialogs: list[str] = []
    bob.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    join_room(anna, lanchat.url, "Anna", "markdown")
    join_room(bob, lanchat.url, "Bob", "markdown")
    for count, attack in enumerate(ATTACKS, start=1):
        send_message(anna, attack)
        expect(bob.get_by_test_id("message")).to_have_count(count)
    send_message(anna, "**bold** and *italic* and `code`, see [docs](https://example.com/docs)")
    expect(bob.get_by_test_id("message")).to_have_count(len(ATTACKS) + 1)

    messages = bob.get_by_test_id("message-list")
    for tag in ("img", "script", "svg", "iframe"):
        assert messages.locator(tag).count() == 0, tag
    hrefs = messages.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["https://example.com/x.png", "https://example.com/docs"]
    assert not any(href.lower().startswith(("javascript:", "data:", "vbscript:")) for href in hrefs)
    texts = message_texts(bob)
    assert texts[5] == "<img src=x onerror=alert(6)>"
    assert texts[6] == "<script>alert(7)</script>"
    last = messages.get_by_test_id("message").last
    assert last.locator("strong").inner_text() == "bold"
    assert last.locator("em").inner_text() == "italic"
    assert last.locator("code").inner_text() == "code"
    link = last.get_by_role("link", name="docs")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert texts[-1] == "bold and italic and code, see docs"

    send_message(anna, "> quoted\n\n- one\n- two\n\n```\nprint('hi')\n```")
    expect(bob.get_by_test_id("message")).to_have_count(len(ATTACKS) + 2)
    blocks = messages.get_by_test_id("message").last
    assert blocks.locator("blockquote").inner_text() == "quoted"
    assert blocks.locator("ul > li").all_inner_texts() == ["one", "two"]
    assert blocks.locator("pre > code").inner_text() == "print('hi')"
    screenshot(bob, "markdown-formatting")
    time.sleep(0.3)
    assert dialogs == []


def test_a_seed_clients_plain_text_looks_as_typed(lanchat, new_page):
    bob = new_page()
    join_room(bob, lanchat.url, "Bob", "plain")
    plain = "2 * 3 = 6, a_b_c &amp; <b>not bold</b> # not a heading, see https://example.com/a."
    # A seed client: {text, sender, room}, no Origin, no ?v=2.
    with connect(lanchat.url.replace("http://", "ws://").rstrip("/") + "/ws/plain") as seed:
        seed.send(json.dumps({"text": plain, "sender": "Seed", "room": "plain"}))
    expect(bob.get_by_test_id("message")).to_have_count(1)
    assert message_texts(bob) == [plain]
    assert bob.get_by_test_id("message-list").locator("a").get_attribute("href") == "https://example.com/a"
