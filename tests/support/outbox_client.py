"""A room member that behaves like the UI's page when things go away (ui/src/composables/
useOutbox.js, useRoomConnection.js): it posts one message at a time under its `client_id` and sends
it again after a `storage_failed` refusal or on its next connection until it is acknowledged; it
sends a change again until its message shows it; and when its socket drops it joins again (through
`join`, which may reach another node) with `?after=` its last position, keeping what it held.

It reads everything the whole time and remembers every message frame's id in arrival order across
its connections, so a test can say that nothing was lost or doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.exceptions import ConnectionClosed

from server.protocol.codes import ErrorCode
from tests.support.room_client import RoomClient

__all__ = ["RESEND_SECONDS", "Join", "OutboxClient"]

RESEND_SECONDS = 0.3  # what the UI's outbox waits before sending a refused message again
REJOIN_SECONDS = 0.3  # between attempts to join again
JOIN_TIMEOUT = 5.0  # one attempt (a hello the database cannot answer gets no `identified`)
ANSWER_TIMEOUT = 10.0  # no answer at all to a post or a change: send it again (repeats are safe)

# `join(after, held)`: a new RoomClient of the same person in the same room; `after` None the first time.
Join = Callable[[int | None, dict[int, dict[str, Any]]], Awaitable[RoomClient]]


class OutboxClient:
    def __init__(self, join: Join, client: RoomClient) -> None:
        self._join = join
        self.client = client
        self.name = client.name
        self.message_ids: list[int] = []  # every message frame's id, in arrival order, all connections
        self.live_positions: list[int] = []  # ids and update seqs, on the first connection only
        self.update_seqs: set[int] = set()
        self.refused = 0  # storage_failed refusals of posts and changes
        self.rejoined = 0
        self.unanswered = 0  # posts sent on a connection that dropped before their answer
        self.connected = asyncio.Event()
        self._answers: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self._errors: dict[int, dict[str, Any]] = {}  # the last refusal of a change, by message id
        self._take_all(client.read_on_join)
        self.connected.set()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, join: Join) -> OutboxClient:
        return cls(join, await join(None, {}))

    # --- reading, and joining again ---

    def _take_all(self, frames: list[dict[str, Any]]) -> None:
        for frame in frames:
            self._take(frame)

    def _take(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message":
            self.message_ids.append(frame["id"])
        if kind in ("message", "update") and not self.rejoined:
            self.live_positions.append(frame["id"] if kind == "message" else frame["seq"])
        if kind == "update":
            self.update_seqs.add(frame["seq"])
        if kind == "error" and isinstance(frame.get("id"), int):
            self._errors[frame["id"]] = frame
        waiting = self._answers.get(frame.get("client_id") or "")
        if kind in ("ack", "message", "error") and waiting is not None and not waiting.done():
            waiting.set_result(frame)

    async def _read(self) -> None:
        while True:
            try:
                frame = json.loads(await self.client.ws.recv())
            except (ConnectionClosed, OSError):
                await self._rejoin()
                continue
            self.client.fold(frame)
            self._take(frame)

    async def _rejoin(self) -> None:
        self.connected.clear()
        for waiting in self._answers.values():
            if not waiting.done():
                waiting.set_result(None)  # sent on a connection that is gone: send it again
        held = dict(self.client.folded)
        while True:
            try:
                client = await asyncio.wait_for(self._join(self.client.position, held), JOIN_TIMEOUT)
                break
            except (ConnectionClosed, OSError, TimeoutError):
                await asyncio.sleep(REJOIN_SECONDS)
        self.client = client
        self.rejoined += 1
        self._take_all(client.read_on_join)
        self.connected.set()

    @property
    def in_flight(self) -> bool:
        """Whether a post was sent and is not answered yet."""
        return any(not answer.done() for answer in self._answers.values())

    # --- what a person does ---

    async def post(self, text: str, **extra: Any) -> int:
        """Send a message until it is stored; its id."""
        client_id = secrets.token_hex(8)
        frame = {"text": text, "sender": self.name, "client_id": client_id, **extra}
        try:
            while True:
                await self.connected.wait()
                answer = self._answers[client_id] = asyncio.get_running_loop().create_future()
                with contextlib.suppress(ConnectionClosed):
                    await self.client.send(frame)
                with contextlib.suppress(TimeoutError):
                    got = await asyncio.wait_for(answer, ANSWER_TIMEOUT)
                    if got is not None and got["type"] != "error":
                        return int(got["id"])
                    if got is None:
                        self.unanswered += 1
                    else:
                        assert got["code"] == ErrorCode.STORAGE_FAILED, got
                        self.refused += 1
                        await asyncio.sleep(RESEND_SECONDS)
        finally:
            self._answers.pop(client_id, None)

    async def change(self, frame: dict[str, Any], shows: Callable[[dict[str, Any]], bool]) -> None:
        """Send an edit or a react frame until this member's copy of the message `shows` it (a
        react that changes nothing has no update: the copy shows it already)."""
        target = frame["id"]
        await self.reach(target)
        while not shows(self.client.folded[target]):
            await self.connected.wait()
            self._errors.pop(target, None)
            with contextlib.suppress(ConnectionClosed):
                await self.client.send(frame)
            for _ in range(int(ANSWER_TIMEOUT / 0.05)):
                await asyncio.sleep(0.05)
                refusal = self._errors.pop(target, None)
                if refusal is not None:
                    assert refusal["code"] == ErrorCode.STORAGE_FAILED, refusal
                    self.refused += 1
                    await asyncio.sleep(RESEND_SECONDS)
                    break
                if shows(self.client.folded[target]) or not self.connected.is_set():
                    break

    async def reach(self, position: int) -> None:
        while self.client.position < position:
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        with contextlib.suppress(ConnectionClosed, OSError):
            await self.client.close()
