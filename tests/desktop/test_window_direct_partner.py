"""A direct conversation in the real window (Qt WebEngine): its panel shows the other person, here
or not, never a count of members. The other person is a real WebSocket client on loopback."""

from __future__ import annotations

import asyncio
import json
import urllib.parse

import pytest
import websockets

from tests.support.window import click, join_in_the_window, require_built_ui, wait_for_js

pytestmark = pytest.mark.window

BOB_SECRET = "b" * 43
TIMEOUT = 15
PANEL = "document.querySelector('#room-members')"


async def _frames_until(client, predicate):
    while True:
        frame = json.loads(await asyncio.wait_for(client.recv(), TIMEOUT))
        if predicate(frame):
            return frame


async def _identified(port: int, room: str):
    quoted = urllib.parse.quote(room, safe="")
    client = await websockets.connect(f"ws://127.0.0.1:{port}/ws/{quoted}?v=2&name=Bob")
    await client.send(json.dumps({"type": "hello", "secret": BOB_SECRET}))
    await _frames_until(client, lambda f: f["type"] == "identified")
    return client


def test_a_direct_conversation_in_the_window_shows_the_other_person_here_or_not(launch_app):
    require_built_ui()
    app = launch_app()
    join_in_the_window(app, "Anna", "general")

    async def scenario():
        bob = await _identified(app.port, "general")
        await asyncio.to_thread(wait_for_js, app, "document.querySelector('[data-testid=\"member-menu\"]')")
        await asyncio.to_thread(click, app, '[data-testid="member-menu"]')
        await asyncio.to_thread(click, app, '[data-testid="message-member"]')
        away = await asyncio.to_thread(
            wait_for_js,
            app,
            f"{PANEL}?.getAttribute('aria-label') === 'Bob is not here'"
            f" && [{PANEL}.querySelector('h2').textContent.trim(),"
            f" {PANEL}.querySelector('[data-testid=\"partner-presence\"]').textContent.trim()]",
        )
        # Anna writes: Bob is told of the room, and enters it.
        await asyncio.to_thread(wait_for_js, app, "window.__ui.type('Message', 'hello Bob')")
        await asyncio.to_thread(wait_for_js, app, "window.__ui.click('Send')")
        told = await _frames_until(bob, lambda f: f["type"] == "direct")
        bob_there = await _identified(app.port, told["room"])
        here = await asyncio.to_thread(
            wait_for_js,
            app,
            f"{PANEL}?.getAttribute('aria-label') === 'Bob is here'"
            f" && {PANEL}.querySelector('[data-testid=\"partner-presence\"]').textContent.trim()",
        )
        page_text = await asyncio.to_thread(app.js, "document.querySelector('.chat-room').innerText")
        await bob_there.close()
        gone = await asyncio.to_thread(
            wait_for_js, app, f"{PANEL}?.getAttribute('aria-label') === 'Bob is not here'"
        )
        await bob.close()
        return away, told, here, page_text, gone

    away, told, here, page_text, gone = asyncio.run(scenario())
    assert away == ["Conversation with", "not here"]
    assert told["room"].startswith("@dm:") and told["sender"] == "Anna"
    assert here == "here"
    assert "Members (" not in page_text
    assert gone is True
