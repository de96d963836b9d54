"""The doors of private rooms and direct conversations: a room socket's first frame must open
them (the password; the hello of one of the two identities) before anything of the room
(history, members, presence, typing, the welcome) is sent. Each raises Refused when it does not.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.websockets import WebSocket, WebSocketDisconnect

from server.protocol.codes import CloseCode
from server.protocol.frames import EnteredFrame, json_number
from server.protocol.limits import PASSWORD_WAIT_SECONDS
from server.rooms.bans import banned_refusal
from server.rooms.client_frames import Hello, decode_password_frame
from server.rooms.direct import is_direct_room
from server.rooms.in_clear import encryption_required
from server.rooms.private import PASSWORD_CHECKS, PrivateRooms
from server.rooms.service import ChatRooms

__all__ = ["pass_doors"]


@dataclass(frozen=True, slots=True)
class PassedDoor:
    """What a room's door gave: the token it handed out, and for a direct conversation the hello it
    read (and its text), which identifies the member as any hello would."""

    token: str
    hello: tuple[Hello, str] | None = None


async def pass_doors(
    websocket: WebSocket, rooms: ChatRooms, room: str, address: str | None, *, in_clear: bool = False
) -> PassedDoor | None:
    """Through the room's doors, if it has any (None: an open room). Refused, or WebSocketDisconnect.
    `in_clear` (plain ws:// from the network): a room with a door is refused before its first frame,
    so no password or secret is ever read off such a connection."""
    if in_clear and (rooms.private.is_private(room) or is_direct_room(room)):
        raise encryption_required(
            "A direct conversation" if is_direct_room(room) else "A private room, and its password,"
        )
    if rooms.private.is_private(room):
        if rooms.bans.banned_address(address):  # no password guessing for a banned address
            raise banned_refusal()
        token = await enter_private(websocket, rooms.private, room, address)
        if not is_direct_room(room):
            return PassedDoor(token)
    if is_direct_room(room):
        if rooms.bans.banned_address(address):
            raise banned_refusal()
        return await enter_direct(websocket, rooms, room)
    return None


async def first_frame(websocket: WebSocket) -> str | None:
    """The text of the socket's first frame; None when it was no text or none came in time."""
    try:
        event = await asyncio.wait_for(websocket.receive(), PASSWORD_WAIT_SECONDS)
    except TimeoutError:
        return None
    if event["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(event.get("code", CloseCode.NORMAL))
    text: str | None = event.get("text")
    return text


async def enter_private(websocket: WebSocket, private: PrivateRooms, room: str, address: str | None) -> str:
    """A private room's door: its password (or a token issued for it) must be the first frame."""
    key = decode_password_frame(await first_frame(websocket))
    if key.token is not None:
        token = private.enter_with_token(room, key.token)
    else:
        # scrypt takes its tens of milliseconds on its own thread, not on the loop every room uses.
        loop = asyncio.get_running_loop()
        token = await loop.run_in_executor(PASSWORD_CHECKS, private.enter, room, key.password, address)
    await send_entered(websocket, room, token, private.token_seconds)
    return token


async def enter_direct(websocket: WebSocket, rooms: ChatRooms, room: str) -> PassedDoor:
    """A direct conversation's door: its first frame must be the hello of one of its two
    identities."""
    text = await first_frame(websocket)
    hello, token = rooms.enter_direct(room, text)
    assert text is not None
    await send_entered(websocket, room, token, rooms.private.token_seconds)
    return PassedDoor(token, (hello, text))


async def send_entered(websocket: WebSocket, room: str, token: str, expires_in: float) -> None:
    """The door opened: the token that opens the room's HTTP history and files meanwhile."""
    entered: EnteredFrame = {
        "type": "entered",
        "room": room,
        "token": token,
        "expires_in": json_number(expires_in),
    }
    await websocket.send_json(entered)
