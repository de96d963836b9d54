"""Notifications from the real window: a burst in a room is one notification, and the switch in the
Settings panel turns them off. The app runs for real; the desktop's notification server is the
stand-in on a private D-Bus session bus (notification_service.py)."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
import websockets

from server.protocol.limits import PROTOCOL_VERSION
from tests.support.app_process import REPO_ROOT
from tests.support.waiting import wait_for
from tests.support.window import (
    join_in_the_window,
)

pytestmark = pytest.mark.window

GATHER_SECONDS = float(
    re.search(
        r"NOTIFICATION_GATHER_SECONDS = ([\d.]+)",
        (REPO_ROOT / "ui" / "src" / "notificationGathering.js").read_text(encoding="utf-8"),
    ).group(1)
)

# The names in a title are isolated (U+2068 ... U+2069, ui/src/bidi.js): a name cannot turn
# the sentence around it.
BOB, GENERAL = "\u2068Bob\u2069", "\u2068general\u2069"


def test_a_burst_in_a_room_is_one_notification_and_the_switch_turns_them_off(
    launch_app, session_bus, notification_server
):
    if not (REPO_ROOT / "ui" / "dist" / "index.html").is_file():
        pytest.fail("the Vue UI is not built (ui/dist): run make ui")
    app = launch_app(env={"DBUS_SESSION_BUS_ADDRESS": session_bus})
    shown = notification_server.shown
    settings_file = app.config_dir / "settings.json"

    async def scenario():
        join_in_the_window(app, "Anna", "general")
        async with websockets.connect(
            f"ws://127.0.0.1:{app.port}/ws/general?v={PROTOCOL_VERSION}&name=Bob"
        ) as bob:
            app.command("unfocus")  # notifications are for a window in the background
            assert app.js("document.hasFocus()") is False
            for index in range(5):
                await bob.send(json.dumps({"text": f"burst {index}", "sender": "Bob"}))
            await asyncio.to_thread(wait_for, lambda: shown, GATHER_SECONDS + 5)
            await asyncio.sleep(GATHER_SECONDS + 1)
            assert shown == [("lanchat", f"{BOB}: 5 new messages in {GENERAL}", "burst 4")]

            assert app.js("document.querySelector('[data-testid=\"notifications-toggle\"]').checked")
            app.js("document.querySelector('[data-testid=\"notifications-toggle\"]').click()")
            await asyncio.to_thread(
                wait_for,
                lambda: json.loads(settings_file.read_text(encoding="utf-8"))["notifications"] is False,
                5,
            )
            for index in range(3):
                await bob.send(json.dumps({"text": f"after {index}", "sender": "Bob"}))
            await asyncio.sleep(GATHER_SECONDS + 1.5)

    asyncio.run(scenario())

    assert len(shown) == 1, "switched off, the window shows no notification"
    assert app.js("[...document.querySelectorAll('[data-testid=\"text\"]')].at(-1).textContent") == "after 2"


def test_a_muted_room_notifies_only_of_a_message_that_mentions_you_through_the_bridge(
    launch_app, session_bus, notification_server
):
    if not (REPO_ROOT / "ui" / "dist" / "index.html").is_file():
        pytest.fail("the Vue UI is not built (ui/dist): run make ui")
    app = launch_app(env={"DBUS_SESSION_BUS_ADDRESS": session_bus})
    shown = notification_server.shown

    async def scenario():
        join_in_the_window(app, "Anna", "general")
        app.js("document.querySelector('[data-testid=\"mute-toggle\"]').click()")
        await asyncio.to_thread(
            wait_for, lambda: any(key.endswith("/general") for key in app.api("get_settings")["muted"]), 5
        )
        async with websockets.connect(
            f"ws://127.0.0.1:{app.port}/ws/general?v={PROTOCOL_VERSION}&name=Bob"
        ) as bob:
            app.command("unfocus")
            await bob.send(json.dumps({"text": "just chatter", "sender": "Bob"}))
            await bob.send(json.dumps({"text": "@anna, a look?", "sender": "Bob"}))
            await asyncio.to_thread(wait_for, lambda: shown, 5)
            await asyncio.sleep(GATHER_SECONDS + 1)

    asyncio.run(scenario())
    assert shown == [("lanchat", f"{BOB} mentioned you in {GENERAL}", "@anna, a look?")]
