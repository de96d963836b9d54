"""The room socket, /ws/{room}: admitted at its door, then one text frame at a time to the rooms.

The endpoint stays thin: the URL's checks raise Refused, the doors (room_doors.py) read a private
room's password or a direct conversation's hello, and everything a member sends goes to
ChatRooms.receive. A refusal is one error frame, then the close code the refusal table names.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from server.policy import ROOM_TOKEN_REFRESH_FRACTION
from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused, close_code, error_frame
from server.rooms.service import ChatRooms
from server.rooms.state import Session
from server.rooms.storing import database_away
from server.rooms.validation import validate_after, validate_room, validate_sender, validate_version
from server.storage.history import StorageFailed
from server.web.client_limits import room_socket_cap
from server.web.host_header import HostPolicy
from server.web.origin import validate_origin
from server.web.room_doors import pass_doors
from server.web.room_wire import room_wire
from server.web.state import web_state
from server.web.transport import in_clear

__all__ = ["ROOM_SOCKET_PATH", "room_socket", "room_socket_route"]

log = logging.getLogger("lanchat.rooms")

ROOM_SOCKET_PATH = "/ws/{room:path}"  # the seed's /ws/{room}

# uvloop's timers run on a clock cached once per loop turn, in whole milliseconds, so a sleep
# can end up to a millisecond before time.monotonic (the rate limiter's clock) says it should:
# a connection woken that early would be refused again at once. Sleep this much longer.
TIMER_SLACK_SECONDS = 0.002


def room_socket_route() -> WebSocketRoute:
    """The seed's @app.websocket("/ws/{room}"), as a plain Starlette route: RoomSocketShortcut calls
    it past the middleware, and FastAPI's dependency machinery stays out of it too. The whole rest
    of the path is the room, so a name with "/" reaches the rules and gets a clear error."""
    return WebSocketRoute(ROOM_SOCKET_PATH, room_socket, name="room_socket")


@dataclass(frozen=True, slots=True)
class JoinQuery:
    """What the socket's URL asks for: v >= 2 (rich frames), a display name, history after an id."""

    rich: bool
    name: str | None
    after: int | None


def read_join_query(websocket: WebSocket, room: str, hosts: HostPolicy) -> JoinQuery:
    """The checks of the URL and its page, before anything is read from the socket; Refused."""
    query = websocket.query_params
    validate_origin(websocket.headers.get("origin"), websocket.headers.get("host"), hosts)
    validate_room(room)
    rich = validate_version(query.get("v")) >= 2
    name = validate_sender(query.get("name"), missing_ok=True)
    return JoinQuery(rich, name, validate_after(query.get("after")))


async def refuse(websocket: WebSocket, refusal: Refused) -> None:
    """An accepted room socket refused: one error frame saying why, then its close code."""
    # A client may send its frame and hang up at once (the fuzzer does): then nobody is left
    # to tell, which is no error of the server's (it was a traceback per connection).
    with contextlib.suppress(WebSocketDisconnect):
        await websocket.send_json(error_frame(refusal))
        await websocket.close(close_code(refusal.code), refusal.detail[:120])


async def room_socket(websocket: WebSocket) -> None:
    state = web_state(websocket)
    room: str = websocket.path_params["room"]
    address = websocket.client.host if websocket.client else None
    readable = in_clear(websocket.scope)  # plain ws:// from the network (--allow-plain-http)
    with state.clients.room_socket(address) as admitted:
        try:
            if not admitted:
                raise Refused(
                    ErrorCode.TOO_MANY_CONNECTIONS,
                    f"Your address has {room_socket_cap(address)} room connections open already,"
                    " the most one address may; leave a room and try again.",
                )
            query = read_join_query(websocket, room, state.hosts)
        except Refused as refusal:
            await websocket.accept()  # first, so the client can read why
            await refuse(websocket, refusal)
            return
        await websocket.accept()
        rooms = state.running().rooms
        try:
            door = await pass_doors(websocket, rooms, room, address, in_clear=readable)
            # Checked here, with no await before the join, so the room cannot fill meanwhile.
            rooms.admit(room, address)
            if door is not None and door.hello is not None:
                rooms.admit_direct(room, door.hello[0])
        except Refused as refusal:
            await refuse(websocket, refusal)
            return
        except StorageFailed as exc:
            # A cluster's database away (its lockouts, its room counts): nobody gets in uncounted.
            log.error("refusing a member of %r: %s", room, exc)
            await refuse(websocket, database_away())
            return
        except WebSocketDisconnect:
            return
        session = rooms.join(
            room_wire(websocket),
            room,
            name=query.name,
            rich=query.rich,
            after=query.after,
            address=address,
            in_clear=readable,
        )
        if door is not None:
            rooms.hold_token(session, door.token)
            if door.hello is not None:  # the door read it; it identifies the member as any hello
                rooms.receive(session, door.hello[1])
        await stay(websocket, rooms, session, refresh_token=query.rich)


async def stay(websocket: WebSocket, rooms: ChatRooms, session: Session, *, refresh_token: bool) -> None:
    """Hand each frame the member sends to the rooms until it leaves; then it leaves the room."""
    # A member that passed a door keeps a live token while it stays (ROOM_TOKEN_REFRESH_FRACTION).
    refresher = asyncio.create_task(keep_token_fresh(rooms, session)) if refresh_token else None
    try:
        while True:
            event = await websocket.receive()
            if event["type"] == "websocket.disconnect":
                break
            pause = rooms.receive(session, event.get("text"))
            if pause:  # past a rate limit: see ChatRooms.receive
                await asyncio.sleep(pause + TIMER_SLACK_SECONDS)
    finally:
        if refresher is not None:
            refresher.cancel()
        rooms.leave(session)


async def keep_token_fresh(rooms: ChatRooms, session: Session) -> None:
    """Send `session` a fresh token each time its last one is ROOM_TOKEN_REFRESH_FRACTION
    through its life, while its room is private or direct (an open room sends none)."""
    while True:
        await asyncio.sleep(rooms.private.token_seconds * ROOM_TOKEN_REFRESH_FRACTION)
        if not rooms.refresh_token(session):
            return
