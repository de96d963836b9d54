"""Typing notices through a real server thread and real WebSocket clients: their pace per typist."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import websockets

TIMEOUT = 10


async def _join(server, name):
    socket = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/general?v=2&name={quote(name)}", open_timeout=TIMEOUT
    )
    while json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))["type"] != "welcome":
        pass
    return socket


async def _next_except_presence(socket):
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
        if frame["type"] not in ("presence", "members"):
            return frame


def test_a_typist_saying_so_again_at_once_is_relayed_once(server_thread):
    async def scenario():
        anna = await _join(server_thread, "Anna")
        bob = await _join(server_thread, "Bob")
        for _ in range(3):  # a client that says so on every keystroke
            await anna.send(json.dumps({"type": "typing", "sender": "Anna"}))
        await anna.send(json.dumps({"text": "hi", "sender": "Anna"}))
        assert await _next_except_presence(bob) == {"type": "typing", "room": "general", "sender": "Anna"}
        frame = await _next_except_presence(bob)
        assert frame["type"] == "message" and frame["text"] == "hi", frame
        # Nothing answers the notices held back: Anna's next frame is her own message.
        frame = await _next_except_presence(anna)
        assert frame["type"] == "message" and frame["text"] == "hi", frame
        for socket in (anna, bob):
            await socket.close()

    asyncio.run(scenario())
