"""uvicorn's WebSocket protocol, offering the app a frame writer beneath the ASGI `send`.

Why beneath: a burst in a room of 100 spent about two thirds of its time per delivery in the
ASGI `send` path (a coroutine per frame per member, the frame serialised again by websockets for
each member, a write system call for each). The room hub makes each frame's bytes once and
writes a member's whole queue at once through this writer (room_wire.py); everything else (the
handshake, pings, receiving, close) stays uvicorn's. Imported only by the runner, with uvicorn.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from server.web.room_wire import WIRE_EXTENSION

__all__ = ["WireWebSocketProtocol"]


class WireWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # made only when the handshake is answered with 101
        if scope is not None:
            scope["extensions"][WIRE_EXTENSION] = {"writer": self}

    def write_frames(self, frames: list[bytes]) -> bool:
        """Whole server frames (server/protocol/wire.py) onto the transport, between uvicorn's own."""
        if self.close_sent or self.disconnected or self.transport.is_closing():
            return False
        self.transport.writelines(frames)
        return True

    async def drained(self) -> None:
        # What uvicorn's own send waits for: pause_writing and resume_writing set it.
        await self.writable.wait()
