"""Making a room private in the real window: the Room password panel, clicked in the built UI,
with a real WebSocket member on loopback who must then enter the password."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from server.protocol.codes import CloseCode
from tests.support.window import (
    click,
    join_in_the_window,
    open_hosting,
    require_built_ui,
    wait_connected,
    wait_for_js,
)

pytestmark = pytest.mark.window

PASSWORD = "window secret"
TIMEOUT = 15


def by_testid(name: str) -> str:
    return f"document.querySelector('[data-testid=\"{name}\"]')"


async def _frames_until(client, predicate):
    while True:
        frame = json.loads(await asyncio.wait_for(client.recv(), TIMEOUT))
        if predicate(frame):
            return frame


async def _refused(client) -> tuple[str, int | None]:
    error = await _frames_until(client, lambda f: f["type"] == "error")
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(client.recv(), TIMEOUT)
    return error["code"], client.close_code


def test_the_host_makes_the_shown_room_private_in_the_window_and_its_members_must_enter_the_password(
    launch_app,
):
    require_built_ui()
    app = launch_app()
    join_in_the_window(app, "Host", "general")
    open_hosting(app)
    wait_for_js(app, f"{by_testid('privacy-state')}?.textContent.includes('Open')")
    assert app.js(f"{by_testid('privacy-room')}.value") == "general"
    base = f"ws://127.0.0.1:{app.port}/ws/general?v=2"

    async def scenario():
        bob = await websockets.connect(f"{base}&name=Bob")
        await _frames_until(bob, lambda f: f["type"] == "welcome")
        app.js(
            f"(() => {{ const f = {by_testid('privacy-password')}; f.value = {json.dumps(PASSWORD)};"
            " f.dispatchEvent(new Event('input', {bubbles: true})); })()"
        )
        await asyncio.to_thread(click, app, '[data-testid="privacy-make-private"]')
        told = await _refused(bob)  # the member in the room must enter it now

        stranger = await websockets.connect(f"{base}&name=Eve")
        await stranger.send(json.dumps({"type": "hello", "secret": "e" * 43}))
        refused = await _refused(stranger)

        async with websockets.connect(f"{base}&name=Bob") as again:
            await again.send(json.dumps({"type": "password", "password": PASSWORD}))
            entered = await _frames_until(again, lambda f: f["type"] in ("entered", "error"))
        return told, refused, entered

    told, refused, entered = asyncio.run(scenario())
    assert told == ("password_required", CloseCode.PASSWORD_REQUIRED)
    assert refused == ("password_required", CloseCode.PASSWORD_REQUIRED)
    assert entered["type"] == "entered"
    wait_for_js(app, f"{by_testid('privacy-state')}?.textContent.includes('Private')")
    # The host's own window entered again by itself: connected, and no prompt.
    wait_connected(app, 15)
    assert app.js(f"{by_testid('room-password')} === null")
    saved = json.loads((app.data_dir / "private-rooms.json").read_text())
    assert set(saved["rooms"]) == {"general"} and PASSWORD not in json.dumps(saved)

    click(app, '[data-testid="privacy-make-open"]')
    wait_for_js(app, f"{by_testid('privacy-state')}?.textContent.includes('Open')")

    async def seed_enters() -> dict:
        async with websockets.connect(f"ws://127.0.0.1:{app.port}/ws/general") as seed:
            await seed.send(json.dumps({"text": "open again", "sender": "Sam"}))
            return await _frames_until(seed, lambda f: f.get("type") == "message")

    assert asyncio.run(seed_enters())["text"] == "open again"
