"""uvicorn's WebSocket protocol, offering the app a frame writer beneath the ASGI `send`, and
keeping less per idle connection.

Why beneath: a burst in a room of 100 spent about two thirds of its time per delivery in the
ASGI `send` path (a coroutine per frame per member, the frame serialised again by websockets for
each member, a write system call for each). The room hub makes each frame's bytes once and
writes a member's whole queue at once through this writer (room_wire.py); everything else (the
handshake, pings, receiving, close) stays uvicorn's.

Why leaner: an idle member is mostly uvicorn's connection state, and of that about 3 KiB was an
`asyncio.Queue` (three deques and an `Event` with a fourth) for the frames the app has not read
yet and an `Event` for flow control, each deque a 64-slot block. A connection only ever has one
reader of its queue and one writer waiting to drain, so a list and a bare future do the same.
Imported only by the runner, with uvicorn.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from server.web.room_wire import WIRE_EXTENSION

__all__ = ["WireWebSocketProtocol"]


class Inbox:
    """What uvicorn uses of `asyncio.Queue` (put_nowait, get, empty), for one reader."""

    __slots__ = ("_getter", "_items", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: list[Any] = []
        self._getter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        getter = self._getter
        if getter is not None and not getter.done():
            getter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    async def get(self) -> Any:
        while not self._items:
            self._getter = self._loop.create_future()
            try:
                await self._getter
            finally:
                self._getter = None
        return self._items.pop(0)


class Writable:
    """What uvicorn uses of `asyncio.Event` for flow control (set, clear, is_set, wait): set
    unless the transport asked to pause writing, and then a future done when it resumes."""

    __slots__ = ("_loop", "_resumed")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._resumed: asyncio.Future[None] | None = None  # None: writable

    def set(self) -> None:
        resumed, self._resumed = self._resumed, None
        if resumed is not None and not resumed.done():
            resumed.set_result(None)

    def clear(self) -> None:
        if self._resumed is None:
            self._resumed = self._loop.create_future()

    def is_set(self) -> bool:
        return self._resumed is None

    async def wait(self) -> None:
        while self._resumed is not None:
            # Shielded: several may wait (the pump, a close), and one cancelled must not cancel all.
            await asyncio.shield(self._resumed)


class WireWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox(self.loop)  # type: ignore[assignment]
        self.writable = Writable(self.loop)  # type: ignore[assignment]
        self._over_tls = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._over_tls = transport.get_extra_info("sslcontext") is not None

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # made only when the handshake is answered with 101
        if scope is not None:
            scope["extensions"][WIRE_EXTENSION] = {"writer": self}

    def write_frames(self, frames: list[bytes]) -> bool:
        """Whole server frames (server/protocol/wire.py) onto the transport, between uvicorn's own."""
        if self.close_sent or self.disconnected or self.transport.is_closing():
            return False
        if self._over_tls:
            # asyncio's TLS transport makes a record of each piece it is given: one piece per
            # member's turn is one record (and one encryption) for all its frames, not one each.
            self.transport.write(b"".join(frames))
        else:
            self.transport.writelines(frames)  # plain: gathered by the kernel, no copy
        return True

    async def drained(self) -> None:
        # What uvicorn's own send waits for: pause_writing and resume_writing set it.
        await self.writable.wait()
