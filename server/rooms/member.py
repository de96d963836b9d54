"""A member of a room: one connection, its name and identity, and its bounded outbox."""

from __future__ import annotations

import asyncio
from typing import Protocol

NEVER = float("-inf")  # one object for every member's "not yet"


class Socket(Protocol):
    """What the hub needs of a connection (server/web/room_wire.py has the real ones, the tests
    their fakes): whole WebSocket frames written in order, and a close."""

    async def send_frames(self, frames: list[bytes]) -> None:
        """Hand `frames` (server/protocol/wire.py) to the connection; returns once it may take more."""

    async def close(self, code: int = ..., reason: str | None = ...) -> None: ...


class Member:
    """One connection in one room."""

    # Thousands of these sit idle at once, so each field is chosen for its size: a list and a bare
    # future cost about 100 bytes where a deque and an asyncio.Event cost about 1.6 KiB.
    __slots__ = (
        "__weakref__",
        "close_with",
        "dropped",
        "grants",
        "identity",
        "name",
        "outbox",
        "outbox_bytes",
        "pending_name",
        "pump",
        "renamed_at",
        "rich",
        "room",
        "sending",
        "settled",
        "typed_at",
        "wake",
        "websocket",
    )

    def __init__(self, websocket: Socket, room: str, name: str | None, rich: bool) -> None:
        self.websocket = websocket
        self.room = room
        self.name = name  # None until the member says who it is
        # When the member last changed its name (not when it first gave one): renames are rate limited.
        self.renamed_at = NEVER
        self.typed_at = NEVER  # when its last typing notice was relayed (typing_pace.py)
        self.identity: str | None = None  # from its hello (identity.identity_of)
        self.pending_name: str | None = None  # ?name= held by an identity: decided by the first frame
        self.settled = False  # its first frame has come: a hello now would come too late
        self.rich = rich  # asked for v2 frames (presence, typing, welcome)
        # Whole frames the pump has not taken yet: the same bytes object for every member sent it.
        self.outbox: list[bytes] = []
        # The bytes queued while the pump waits for the socket to drain (only then can a member be
        # too slow, so only then are they counted: the healthy path is a bare append).
        self.outbox_bytes = 0
        self.wake: asyncio.Future[None] | None = None  # set while the pump waits for frames
        self.pump: asyncio.Task[None] | None = None
        # True while the pump is inside a send. Seen from another task, that means the send is
        # waiting for the socket to drain: the reader is slow, not the server busy.
        self.sending = False
        self.dropped = False  # fell too far behind: no longer in the room
        self.close_with: tuple[int, str] | None = None  # expelled: close so once the outbox is sent
        # The grant ids of the room tokens this connection was given (room_tokens.py): removing or
        # banning the member revokes them. A tuple: most members hold none, and () costs nothing.
        self.grants: tuple[bytes, ...] = ()
