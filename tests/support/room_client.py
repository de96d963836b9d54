"""A real WebSocket client of one room, for the tests of messages and their changes (issue 15).

It keeps what a client must keep to show a room: the messages by id, folded from message and
update frames, and the last position it saw (for `after`).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import urllib.parse
import urllib.request
from typing import Any

import websockets

TIMEOUT = 20.0


class RoomClient:
    def __init__(self, ws: Any, room: str, name: str) -> None:
        self.ws = ws
        self.room = room
        self.name = name
        self.identity: str | None = None
        self.welcome: dict[str, Any] | None = None
        self.replayed: list[dict[str, Any]] = []  # frames before the welcome (or all, for a seed client)
        self.read_on_join: list[dict[str, Any]] = []  # every frame `join` read, in order
        self.folded: dict[int, dict[str, Any]] = {}  # message id -> its current frame
        self.position = 0

    @classmethod
    async def join(
        cls,
        base: str,
        room: str,
        name: str,
        *,
        secret: str | None = None,
        v2: bool = True,
        after: int | None = None,
        held: dict[int, dict[str, Any]] | None = None,
        **connect_options: Any,
    ) -> RoomClient:
        """Join; `held`: the messages a resuming client kept (its folded state when it left);
        `connect_options` go to `websockets.connect` (TLS, the address to reach, the source)."""
        query: dict[str, Any] = {"name": name}
        if v2:
            query["v"] = 2
        if after is not None:
            query["after"] = after
        url = f"{base}/ws/{urllib.parse.quote(room)}?{urllib.parse.urlencode(query)}"
        ws = await websockets.connect(url, open_timeout=TIMEOUT, max_size=None, **connect_options)
        client = cls(ws, room, name)
        client.folded = dict(held or {})
        client.position = after or 0
        if secret is not None:
            await client.send({"type": "hello", "secret": secret})
        waiting = ({"welcome"} if v2 else set()) | ({"identified"} if secret is not None else set())
        while waiting:
            frame = await client.recv()
            client.read_on_join.append(frame)
            if frame["type"] == "welcome":
                client.welcome = frame
                client.position = max(client.position, frame["last_id"])
            elif frame["type"] == "identified":
                client.identity = frame["identity"]
            elif client.welcome is None:
                client.replayed.append(frame)
            waiting.discard(frame["type"])
        return client

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame, ensure_ascii=False))

    async def recv(self) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT))
        self.fold(frame)
        return frame

    def fold(self, frame: dict[str, Any]) -> None:
        if frame.get("type") == "message":
            self.folded[frame["id"]] = frame
            self.position = max(self.position, frame["id"])
        elif frame.get("type") == "update":
            if frame["message"]["id"] in self.folded:
                self.folded[frame["message"]["id"]] = frame["message"]
            self.position = max(self.position, frame["seq"])

    async def until(self, predicate: Any) -> dict[str, Any]:
        while True:
            frame = await self.recv()
            if predicate(frame):
                return frame

    async def catch_up(self, position: int) -> None:
        """Read until everything up to `position` has arrived."""
        while self.position < position:
            await self.recv()

    async def until_type(self, kind: str) -> dict[str, Any]:
        return await self.until(lambda frame: frame.get("type") == kind)

    async def post(self, text: str, **extra: Any) -> dict[str, Any]:
        """Send a message and wait for its own message frame (as every member gets it)."""
        client_id = secrets.token_hex(8)
        await self.send({"text": text, "sender": self.name, "client_id": client_id, **extra})
        return await self.until(lambda frame: frame.get("client_id") == client_id and frame["type"] != "ack")

    async def change(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Send an edit, delete or react frame; its update frame, or the error frame refusing it."""
        await self.send(frame)
        kind = {"edit": "edit", "delete": "delete", "react": "reaction"}[frame["type"]]
        return await self.until(
            lambda answer: (
                (
                    answer["type"] == "update"
                    and answer["message"]["id"] == frame["id"]
                    and answer["change"] == kind
                )
                or answer["type"] == "error"
            )
        )

    async def close(self) -> None:
        await self.ws.close()


def http_history(url: str, room: str, **query: Any) -> dict[str, Any]:
    full = f"{url.rstrip('/')}/api/rooms/{urllib.parse.quote(room)}/messages"
    if query:
        full += "?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(full, timeout=TIMEOUT) as response:
        page: dict[str, Any] = json.load(response)
    return page
