"""Rooms as the tests set them up on a real server: a private room behind a password file, the
direct room of two known identities, and a room socket's address."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from server.rooms.direct import direct_room
from server.rooms.identity import identity_of

__all__ = ["ALICE", "BOB", "DIRECT_ROOM", "PASSWORD", "private_room_args", "room_url"]

PASSWORD = "correct horse"
# Identity secrets (43 characters, as the UI makes them) and the direct room between the two.
ALICE = "a" * 43
BOB = "b" * 43
DIRECT_ROOM = direct_room(identity_of(ALICE), identity_of(BOB))


def private_room_args(folder: Path, room: str = "team", password: str = PASSWORD) -> tuple[str, ...]:
    """`lanchat serve` arguments for a private room; the password file is written into `folder`."""
    secret = folder / f"{room}-password"
    secret.write_text(password + "\n", encoding="utf-8")
    return ("--private-room", f"{room}={secret}")


def room_url(server: Any, room: str, **query: Any) -> str:
    """The room socket's address on a ServeProcess, with `query` as its query string."""
    return f"{server.ws_base}/ws/{urllib.parse.quote(room, safe='')}?{urllib.parse.urlencode(query)}"
