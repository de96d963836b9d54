"""Issue 15's "Done when": a third person who was offline while two others replied, edited,
deleted and reacted catches up on all of it exactly once, and sees the room as someone joining
now does; a seed client connected throughout still gets plain message frames only."""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.browser import join_room, join_room_in_russian, message, open_actions, wait_connected
from tests.support.frames import SEED_FIELDS

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

ROOM = "general"
# What each language calls things; the message texts stay the same in both runs.
WORDS = {
    "en": {
        "locale": "en-US",
        "join": join_room,
        "box": "Message",
        "reply": "Reply",
        "edit": "Edit",
        "delete": "Delete",
        "edited": "edited",
        "deleted": "message deleted",
    },
    "ru": {
        "locale": "ru-RU",
        "join": join_room_in_russian,
        "box": "Сообщение",
        "reply": "Ответить",
        "edit": "Изменить",
        "delete": "Удалить",
        "edited": "изменено",
        "deleted": "сообщение удалено",
    },
}


class SeedClient:
    """A raw WebSocket without v=2 and without hello, reading every frame in its own thread."""

    def __init__(self, ws_base: str) -> None:
        self.url = f"{ws_base}/ws/{urllib.parse.quote(ROOM)}?{urllib.parse.urlencode({'name': 'Seed'})}"
        self.frames: list[dict[str, Any]] = []
        self.open = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert self.open.wait(20), "the seed client could not connect"

    def _read(self) -> None:
        with connect(self.url, open_timeout=20, max_size=None) as ws:
            self.ws = ws
            self.open.set()
            try:
                for raw in ws:
                    self.frames.append(json.loads(raw))
            except ConnectionClosed:
                pass

    def close(self) -> list[dict[str, Any]]:
        self.ws.close()
        self.thread.join(10)
        return self.frames


def send(page, words, text: str) -> None:
    box = page.get_by_label(words["box"], exact=True)
    box.fill(text)
    box.press("Enter")


def timeline(page) -> list[dict[str, Any]]:
    """What the page shows of each message row: its key (m<id>), text, marks, quote, reactions."""
    result: list[dict[str, Any]] = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="message"]')].map((row) => ({
            key: row.dataset.key,
            text: row.querySelector('[data-testid="text"]')?.innerText ?? null,
            edited: row.querySelector('[data-testid="edited"]')?.innerText ?? null,
            deleted: row.querySelector('[data-testid="deleted"]')?.innerText ?? null,
            quote: row.querySelector('[data-testid="reply-quote"]')?.innerText ?? null,
            reactions: [...row.querySelectorAll('[data-testid="reaction"]')].map((r) => r.innerText),
        }))"""
    )
    return result


def shows_all_of_it(page) -> None:
    """Wait until the page shows the last message and the last reaction (they may come apart)."""
    expect(message(page, "last one")).to_have_count(1)
    expect(message(page, "a reply to bob").locator('[data-emoji="🎉"]')).to_have_text("🎉2")
    expect(page.get_by_test_id("deleted")).to_have_count(1)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_carol_catches_up_on_everything_exactly_once_after_being_offline(lanchat, new_page, language):
    words = WORDS[language]
    seed = SeedClient(lanchat.ws_base)
    try:
        anna = new_page(locale=words["locale"], height=1400)
        words["join"](anna, lanchat.url, "Anna", ROOM)
        bob = new_page(locale=words["locale"], height=1400)
        words["join"](bob, lanchat.url, "Bob", ROOM)
        carol = new_page(locale=words["locale"], height=1400)
        # Carol's socket goes through Playwright, so the test can cut it as a lost network would.
        carol_sockets: list[Any] = []
        carol.route_web_socket(
            re.compile(r"/ws/"), lambda ws: carol_sockets.append((ws, ws.connect_to_server()))
        )
        words["join"](carol, lanchat.url, "Carol", ROOM)
        for page, text in ((anna, "first from anna"), (bob, "first from bob"), (anna, "to be edited")):
            send(page, words, text)
            expect(message(carol, text)).to_have_count(1)
        open_actions(bob, "first from anna").get_by_role("menuitem", name="👍").click()
        expect(message(carol, "first from anna").locator('[data-emoji="👍"]')).to_have_text("👍1")

        # Carol's computer loses the network: the socket drops and the page waits to be online.
        carol.context.set_offline(True)
        page_side, server_side = carol_sockets[-1]
        server_side.close(code=1001)
        page_side.close(code=1001)
        expect(carol.get_by_test_id("connection-status")).to_have_attribute("data-status", "offline")

        send(bob, words, "while carol was away")
        open_actions(anna, "first from bob").get_by_role("menuitem", name=words["reply"]).click()
        send(anna, words, "a reply to bob")
        open_actions(anna, "to be edited").get_by_role("menuitem", name=words["edit"]).click()
        send(anna, words, "edited while away")
        open_actions(bob, "while carol was away").get_by_role("menuitem", name=words["delete"]).click()
        bob.get_by_test_id("confirm-delete").click()
        open_actions(bob, "a reply to bob").get_by_role("menuitem", name="🎉").click()
        open_actions(anna, "a reply to bob").get_by_role("menuitem", name="🎉").click()
        # Bob takes his 👍 on Anna's first message back.
        message(bob, "first from anna").locator('[data-emoji="👍"]').click()
        send(bob, words, "last one")
        expect(message(anna, "last one")).to_have_count(1)
        expect(message(anna, "a reply to bob").locator('[data-emoji="🎉"]')).to_have_text("🎉2")
        expect(anna.get_by_test_id("deleted")).to_have_count(1)
        expect(message(anna, "first from anna").get_by_test_id("reactions")).to_have_count(0)
        # Nothing reached Carol meanwhile.
        assert message(carol, "last one").count() == 0
        assert message(carol, "while carol was away").count() == 0

        # Back online: the room reconnects by itself and resumes after the last thing she saw.
        carol.context.set_offline(False)
        wait_connected(carol)
        assert re.search(r"[?&]after=[1-9]", carol_sockets[-1][0].url) and len(carol_sockets) == 2, (
            carol_sockets
        )
        expect(message(carol, "last one")).to_have_count(1)
        expect(message(carol, "edited while away").get_by_test_id("edited")).to_have_text(words["edited"])
        expect(carol.get_by_test_id("deleted")).to_have_text(words["deleted"])
        expect(message(carol, "a reply to bob").get_by_test_id("reply-quote")).to_have_text(
            "Bobfirst from bob"
        )
        expect(message(carol, "a reply to bob").locator('[data-emoji="🎉"]')).to_have_text("🎉2")
        expect(message(carol, "first from anna").get_by_test_id("reactions")).to_have_count(0)
        expect(message(carol, "to be edited")).to_have_count(0)

        caught_up = timeline(carol)
        keys = [row["key"] for row in caught_up]
        assert len(keys) == 6 and len(set(keys)) == len(keys), caught_up

        # Someone joining now sees exactly the same room.
        dora = new_page(locale=words["locale"], height=1400)
        words["join"](dora, lanchat.url, "Dora", ROOM)
        shows_all_of_it(dora)
        assert timeline(dora) == caught_up

        # A reload resumes too, still once each.
        carol.reload()
        wait_connected(carol)
        shows_all_of_it(carol)
        assert timeline(carol) == caught_up
        for page in (anna, bob, carol, dora):
            assert page.page_errors == []
    finally:
        frames = seed.close()
    texts = [frame.get("text") for frame in frames]
    assert "last one" in texts and "a reply to bob" in texts, texts
    for frame in frames:
        assert frame["type"] == "message" and set(frame) <= SEED_FIELDS, frame
