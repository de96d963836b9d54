"""The host's private-room controls, for the window's own page only.

The bridge (desktop/bridge.py) calls these after checking the window shows our page; they act on
the in-process server directly (its ChatRooms, on its event loop), so no HTTP route or socket frame
exists that another machine, or another page, could use to change a room's password.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict

from server.runtime.runner_errors import ServerStartError

if TYPE_CHECKING:
    from server.rooms.service import ChatRooms
    from server.runtime.runner import ServerThread

__all__ = ["RoomAdmin", "RoomPrivacy"]

log = logging.getLogger("lanchat.desktop")


class RoomPrivacy(TypedDict):
    room: str
    private: bool


# How long a question about the rooms waits for the window's own server to be serving.
SERVER_WAIT_SECONDS = 15.0


class RoomAdmin:
    def __init__(self, server: ServerThread, privacy_changed: Callable[[], None] = lambda: None) -> None:
        self._server = server
        self._privacy_changed = privacy_changed  # re-announce: the TXT record says private=1

    def privacy(self, room: str) -> RoomPrivacy:
        return {"room": room, "private": self._rooms().private.is_private(room)}

    def host_pass(self, room: str) -> str | None:
        """A token that opens `room`'s door once (within ROOM_TOKEN_SECONDS), for the host's own
        page: the host keeps only the password's hash, and is not asked for its own room's password
        after every restart. None for a room that is not private."""
        if not isinstance(room, str):
            raise ValueError("host_pass wants a room name")
        private = self._rooms().private
        return private.issue_token(room) if private.is_private(room) else None

    def make_private(self, room: str, password: str) -> RoomPrivacy:
        """Give `room` a password, or a new one; its members must enter it (ValueError when the room
        or the password breaks the rules)."""
        if not isinstance(room, str) or not isinstance(password, str):
            raise ValueError("make_private wants a room and a password, both strings")
        rooms = self._rooms()
        rooms.private.set_password(room, password)  # scrypt: here, on the bridge's thread

        async def tell_members() -> None:
            rooms.password_changed(room)

        self._server.run_on_loop(tell_members())
        log.info("room %r is private now, or has a new password", room)
        self._privacy_changed()
        return self.privacy(room)

    def make_open(self, room: str) -> RoomPrivacy:
        if not isinstance(room, str):
            raise ValueError("make_open wants a room name")
        self._rooms().private.make_open(room)
        log.info("room %r is open now", room)
        self._privacy_changed()
        return self.privacy(room)

    def _rooms(self) -> ChatRooms:
        # The page asks as soon as it loads, and the server starts only then: wait for it rather
        # than answer "not running" (the host was then asked for its own room's password).
        try:
            self._server.wait_started(SERVER_WAIT_SECONDS)
        except ServerStartError as exc:
            raise RuntimeError(f"the room server is not running: {exc}") from exc
        app = self._server.app
        rooms = None if app is None else app.rooms
        if rooms is None:
            raise RuntimeError("the room server is not running")
        return rooms
