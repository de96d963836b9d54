"""Direct conversations: a room of exactly two identities, named after both of them.

The room's name is `@dm:` and the two identity ids, sorted, joined by `:`. Ordinary room names
may not contain `@` or `:` (validation.validate_room), so no one can make an open room that looks
like a direct one, and both people arrive at the same name from either side. Only a connection
whose hello proves one of the two identities gets anything of the room (admission.enter_direct,
the door); the room is never listed, and its HTTP history needs the token its socket was given.

No I/O here: plain functions over names and ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from server.policy import MAX_DIRECT_ROOMS_PER_IDENTITY
from server.protocol.codes import ErrorCode
from server.protocol.limits import IDENTITY_ID_CHARS
from server.protocol.refusals import Refused

__all__ = ["DIRECT_ROOM_PREFIX", "check_direct_capacity", "direct_pair", "direct_room", "is_direct_room"]

DIRECT_ROOM_PREFIX = "@dm:"
_ID = rf"[0-9a-f]{{{IDENTITY_ID_CHARS}}}"
_DIRECT_ROOM = re.compile(rf"{re.escape(DIRECT_ROOM_PREFIX)}({_ID}):({_ID})")


def direct_room(identity: str, other: str) -> str:
    """The name of the direct conversation between two identities (ValueError for a bad id)."""
    first, second = sorted((identity, other))
    room = f"{DIRECT_ROOM_PREFIX}{first}:{second}"
    if direct_pair(room) is None:
        raise ValueError(f"not two distinct identity ids: {identity!r}, {other!r}")
    return room


def direct_pair(room: str) -> tuple[str, str] | None:
    """The two identities of a direct conversation's name, or None for any other room.

    Only the canonical spelling counts (sorted, distinct, lower-case hex), so one pair has one room.
    """
    match = _DIRECT_ROOM.fullmatch(room)
    if match is None or not match[1] < match[2]:
        return None
    return match[1], match[2]


def is_direct_room(room: str) -> bool:
    return direct_pair(room) is not None


def check_direct_capacity(
    identity: str, room: str, existing_rooms: Iterable[str], takes_part: Callable[[str], bool]
) -> None:
    """Refuse a new direct conversation for an identity already in MAX_DIRECT_ROOMS_PER_IDENTITY.

    `existing_rooms`: every room that exists now (members or history). Entering one of them is
    always fine: the limit bounds how many one identity can make, not whom it can answer.
    `takes_part(room)`: whether the identity is in that room now or wrote in it. Only those count:
    conversations others opened with it and it never answered must not use up its share, or anyone
    could stop a person from starting conversations by opening fifty with them.
    """
    existing = set(existing_rooms)
    if room in existing:
        return
    mine = sum(1 for name in existing if identity in (direct_pair(name) or ()) and takes_part(name))
    if mine >= MAX_DIRECT_ROOMS_PER_IDENTITY:
        raise Refused(
            ErrorCode.TOO_MANY_DIRECT_ROOMS,
            f"You take part in {mine} direct conversations already, the most one person may"
            f" ({MAX_DIRECT_ROOMS_PER_IDENTITY}); continue one of them.",
        )
