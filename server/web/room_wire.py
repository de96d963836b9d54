"""The room socket as the hub sees it (rooms/member.py's `Socket`): whole frames in one write.

Served by lanchat's own listeners, a connection carries a frame writer (wire_protocol.py puts it in
the ASGI scope's extensions) and a batch of frames the hub made once for the whole room goes to the
transport as it is: one write for everything a member has queued, flow control as uvicorn's own
send does it. Any other ASGI server (the tests' in-process TestClient, say) gets the same frames
through the ASGI `send`, one text message each.
"""

from __future__ import annotations

from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect

from server.protocol.wire import text_of

__all__ = ["WIRE_EXTENSION", "AsgiSocket", "FrameWriter", "WireSocket", "room_wire"]

# The ASGI extension under which a connection offers its frame writer: {"writer": FrameWriter}.
WIRE_EXTENSION = "lanchat.frame_writer"


class FrameWriter(Protocol):
    def write_frames(self, frames: list[bytes]) -> bool:
        """Write whole frames to the transport; False once the connection is closing."""

    async def drained(self) -> None:
        """Return once the transport's buffer is under its high-water mark again."""


class WireSocket:
    """A room socket whose frames go straight to the transport."""

    __slots__ = ("websocket", "writer")

    def __init__(self, websocket: WebSocket, writer: FrameWriter) -> None:
        self.websocket = websocket
        self.writer = writer

    async def send_frames(self, frames: list[bytes]) -> None:
        if not self.writer.write_frames(frames):
            raise WebSocketDisconnect(1006)
        await self.writer.drained()

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self.websocket.close(code, reason)


class AsgiSocket:
    """A room socket written through the ASGI `send`, one text message per frame."""

    __slots__ = ("websocket",)

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    async def send_frames(self, frames: list[bytes]) -> None:
        for frame in frames:
            await self.websocket.send_text(text_of(frame))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self.websocket.close(code, reason)


def room_wire(websocket: WebSocket) -> WireSocket | AsgiSocket:
    """The accepted `websocket` as the hub writes to it."""
    offered = websocket.scope.get("extensions", {}).get(WIRE_EXTENSION)
    return AsgiSocket(websocket) if offered is None else WireSocket(websocket, offered["writer"])
