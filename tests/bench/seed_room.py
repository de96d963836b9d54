"""A room of load clients speaking the seed protocol: the frame they send, and waiting until all have read.

Both servers of every room benchmark understand the seed protocol (`/ws/{room}`,
`{text, sender, room}`), so the same clients measure each of them.
"""

from __future__ import annotations

import asyncio
import json

from load_client import Connection, text_frame

__all__ = ["close_all", "everyone_in", "message_frame", "until_all"]


def message_frame(text: str, sender: str, room: str) -> bytes:
    """The seed's client frame, which both servers accept."""
    return text_frame(json.dumps({"text": text, "sender": sender, "room": room}).encode())


async def close_all(connections: list[Connection], timeout: float = 3.0) -> None:
    for connection in connections:
        connection.close()
    pending = [c.closed for c in connections if not c.closed.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)
    for connection in connections:
        connection.abort()


def until_all(
    connections: list[Connection], count: int, *, counted_from_zero: bool = False
) -> asyncio.Future:
    """A future done when every connection has received `count` more text frames
    (`count` in all, with `counted_from_zero`: frames may have arrived already)."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    remaining = len(connections)

    def reached(_: Connection) -> None:
        nonlocal remaining
        remaining -= 1
        if remaining == 0 and not done.done():
            done.set_result(None)

    for connection in connections:
        if not counted_from_zero:
            connection.texts = 0
        connection.target = count
        connection.on_target = reached
        if connection.texts >= count:
            remaining -= 1
    if remaining == 0:
        done.set_result(None)
    return done


async def everyone_in(connections: list[Connection], room: str) -> None:
    """One message that all must receive: afterwards every member is surely registered in the room."""
    arrived = until_all(connections, 1)
    connections[0].send_frame(message_frame("sync", "member0", room))
    await asyncio.wait_for(arrived, 30)
