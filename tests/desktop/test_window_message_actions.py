"""Reply, react, edit and mute in the real window: clicked in the built UI, and a real WebSocket
member on loopback sees the changes (update frames); the mute is kept in settings.json."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from tests.support.app_process import AppProcess
from tests.support.window import (
    click,
    join_in_the_window,
    require_built_ui,
    wait_for_js,
)

pytestmark = pytest.mark.window

BOB_SECRET = "b" * 43
TIMEOUT = 15
# Enter in the composer, as a key press: the UI sends (or saves an edit) on keydown.
PRESS_ENTER = (
    "document.querySelector('#composer-text')"
    ".dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}))"
)


def open_actions(app: AppProcess, text: str) -> None:
    """The "⋯" of the message whose text is `text`."""
    found = json.dumps(text)
    wait_for_js(
        app,
        "[...document.querySelectorAll('[data-testid=\"message\"]')]"
        f".some((m) => m.querySelector('[data-testid=\"text\"]')?.textContent.trim() === {found})",
    )
    app.js(
        "[...document.querySelectorAll('[data-testid=\"message\"]')]"
        f".find((m) => m.querySelector('[data-testid=\"text\"]')?.textContent.trim() === {found})"
        ".querySelector('[data-testid=\"message-actions\"]').click()"
    )


async def _frames_until(client, predicate):
    while True:
        frame = json.loads(await asyncio.wait_for(client.recv(), TIMEOUT))
        if predicate(frame):
            return frame


def test_edit_react_and_mute_work_in_the_window(launch_app):
    require_built_ui()
    app = launch_app()
    join_in_the_window(app, "Host", "general")

    async def scenario():
        async with websockets.connect(f"ws://127.0.0.1:{app.port}/ws/general?v=2&name=Bob") as bob:
            await bob.send(json.dumps({"type": "hello", "secret": BOB_SECRET}))
            await _frames_until(bob, lambda f: f["type"] == "identified")
            await bob.send(json.dumps({"text": "react to me", "sender": "Bob", "client_id": "c-1"}))
            await _frames_until(bob, lambda f: f["type"] == "ack")

            # React: the quick row's 👍 in the message's menu.
            await asyncio.to_thread(open_actions, app, "react to me")
            await asyncio.to_thread(wait_for_js, app, "window.__ui.click('👍')")
            reacted = await _frames_until(bob, lambda f: f["type"] == "update")

            # Edit our own message from its menu; the composer holds its text, Enter saves.
            await asyncio.to_thread(app.js, "window.__ui.type('Message', 'from the window')")
            await asyncio.to_thread(app.js, PRESS_ENTER)
            await _frames_until(bob, lambda f: f["type"] == "message" and f["sender"] == "Host")
            await asyncio.to_thread(open_actions, app, "from the window")
            await asyncio.to_thread(wait_for_js, app, "window.__ui.click('Edit')")
            held = await asyncio.to_thread(wait_for_js, app, "document.querySelector('#composer-text').value")
            await asyncio.to_thread(app.js, "window.__ui.type('Message', 'edited in the window')")
            await asyncio.to_thread(app.js, PRESS_ENTER)
            edited = await _frames_until(bob, lambda f: f["type"] == "update")
            return reacted, held, edited

    reacted, held, edited = asyncio.run(scenario())
    assert reacted["change"] == "reaction"
    assert [
        (group["emoji"], [who["name"] for who in group["by"]]) for group in reacted["message"]["reactions"]
    ] == [("👍", ["Host"])]
    assert held == "from the window"
    assert (edited["change"], edited["message"]["text"]) == ("edit", "edited in the window")
    wait_for_js(app, "document.querySelector('[data-testid=\"edited\"]')?.textContent.trim() === 'edited'")

    # Mute: kept in the window's settings.json like its other settings.
    click(app, '[data-testid="mute-toggle"]')
    wait_for_js(
        app, "document.querySelector('[data-testid=\"mute-toggle\"]').getAttribute('aria-pressed') === 'true'"
    )
    muted = app.api("get_settings")["muted"]
    assert len(muted) == 1 and muted[0].endswith("/general")
