"""The host's controls in the real window: each is clicked in the built UI, and a real WebSocket
member on loopback sees what it does (removed, banned, its message deleted)."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from server.protocol.codes import CloseCode
from server.rooms.identity import identity_of
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


async def _frames_until(client, predicate):
    while True:
        frame = json.loads(await asyncio.wait_for(client.recv(), TIMEOUT))
        if predicate(frame):
            return frame


async def _bob(app: AppProcess):
    client = await websockets.connect(f"ws://127.0.0.1:{app.port}/ws/general?v=2&name=Bob")
    await client.send(json.dumps({"type": "hello", "secret": BOB_SECRET}))
    await _frames_until(client, lambda f: f["type"] == "identified")
    return client


async def _closed(client) -> tuple[str, int | None]:
    error = await _frames_until(client, lambda f: f["type"] == "error")
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(client.recv(), TIMEOUT)
    return error["code"], client.close_code


def test_the_host_removes_bans_unbans_and_deletes_by_clicking_in_the_window(launch_app):
    require_built_ui()
    app = launch_app()
    join_in_the_window(app, "Host", "general")

    async def scenario():
        # Remove: Bob is told why and closed with 4020; he may come back.
        bob = await _bob(app)
        await asyncio.to_thread(wait_for_js, app, "document.querySelector('[data-testid=\"member-menu\"]')")
        await asyncio.to_thread(click, app, '[data-testid="member-menu"]')
        await asyncio.to_thread(click, app, '[data-testid="remove-member"]')
        removed = await _closed(bob)

        # Delete: Bob's message, as every v2 member sees it.
        bob = await _bob(app)
        await bob.send(json.dumps({"text": "delete me", "sender": "Bob", "client_id": "c-1"}))
        await _frames_until(bob, lambda f: f["type"] == "ack")
        await asyncio.to_thread(click, app, '[data-testid="delete-message"]')
        deleted = await _frames_until(bob, lambda f: f["type"] == "update")
        shown = await asyncio.to_thread(
            wait_for_js, app, "document.querySelector('[data-testid=\"deleted\"]')?.textContent.trim()"
        )

        # Ban the person: the menu asks first (Cancel has the focus); confirmed, he is closed
        # with 4021, and the bans list names him.
        await asyncio.to_thread(click, app, '[data-testid="member-menu"]')
        await asyncio.to_thread(click, app, '[data-testid="ban-identity"]')
        asked = await asyncio.to_thread(
            wait_for_js,
            app,
            "document.activeElement?.dataset.testid === 'cancel-ban'"
            " && document.querySelector('[data-testid=\"confirm-ban-question\"]').textContent",
        )
        assert app.api("host_bans") == [], "nobody is banned before the host confirms"
        await asyncio.to_thread(click, app, '[data-testid="confirm-ban-button"]')
        banned = await _closed(bob)
        assert asked.startswith("Ban Bob (person ")
        return removed, deleted, shown, banned

    removed, deleted, shown, banned = asyncio.run(scenario())
    assert removed == ("removed", CloseCode.REMOVED)
    assert (deleted["change"], deleted["message"]["id"], deleted["message"]["text"]) == ("delete", 1, "")
    assert deleted["message"]["deleted"] is True and deleted["seq"] == 2
    assert shown == "message deleted"
    assert banned == ("banned", CloseCode.BANNED)
    assert [ban["value"] for ban in app.api("host_bans")] == [identity_of(BOB_SECRET)]

    # The bans list in the room header lifts it.
    click(app, '[data-testid="bans-toggle"]')
    wait_for_js(app, "document.querySelector('[data-testid=\"bans\"]')?.textContent.includes('Bob')")
    click(app, '[data-testid="unban"]')
    wait_for_js(
        app, "document.querySelector('[data-testid=\"bans\"]')?.textContent.includes('Nobody is banned')"
    )
    assert app.api("host_bans") == []

    # Bob connects from this machine's own address, which the server never bans: the menu offers
    # the identity ban only (once it knows who he is), no address ban that could only fail.
    async def bob_again():
        bob = await _bob(app)
        await asyncio.to_thread(click, app, '[data-testid="member-menu"]')
        offered = await asyncio.to_thread(
            wait_for_js,
            app,
            "document.querySelector('[data-testid=\"ban-identity\"]:not([disabled])')"
            " && !document.querySelector('[data-testid=\"ban-address\"]')",
        )
        await bob.close()
        return offered

    assert asyncio.run(bob_again()) is True
    assert app.api("host_bans") == []
