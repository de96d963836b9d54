"""Who may come in: room and server capacity, bans, new rooms per address, a direct
conversation's door. Each check runs with no await before the join, so two sockets cannot both
squeeze into the last place."""

from __future__ import annotations

import functools

from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused
from server.rooms.bans import banned_refusal
from server.rooms.capacity import admit_member
from server.rooms.client_frames import Hello, decode_frame, parse_client_frame
from server.rooms.direct import check_direct_capacity, direct_pair, is_direct_room
from server.rooms.identity import identity_of
from server.rooms.state import RoomState
from server.rooms.validation import name_keys

__all__ = ["admit", "admit_direct", "enter_direct"]


def admit(rooms: RoomState, room: str, address: str | None) -> None:
    """Raise Refused when the room may take no one more, or is new and the server is full or
    `address` has made its share of new rooms, or the host banned `address`."""
    if rooms.bans.banned_address(address):
        raise banned_refusal()
    sizes = rooms.manager.room_sizes()
    counts = rooms.store.rooms()
    exists = room in sizes or room in counts
    admit_member(room_exists=exists, rooms=len(sizes.keys() | counts.keys()), members=sizes.get(room, 0))
    if not exists:
        _refuse_lookalike(room, sizes.keys() | counts.keys() | rooms.private.rooms())
        rooms.new_rooms.take(address)


def _refuse_lookalike(room: str, existing: set[str]) -> None:
    """A new room may not be spelled like one that exists ("Team" spelled with a Cyrillic
    "\u0435" beside a private "Team"): in the room list the two would look the same, and people
    would post in the wrong one, or into a room posing as a private one."""
    if is_direct_room(room):
        return
    keys = set(_room_keys(room))
    twin = next(
        (
            name
            for name in existing
            if name != room and not is_direct_room(name) and keys & set(_room_keys(name))
        ),
        None,
    )
    if twin is not None:
        raise Refused(
            ErrorCode.ROOM_INVALID,
            f"A room named like {twin!r} exists already (the same letters, or letters that look the"
            " same): join that one, or choose a name that looks different.",
        )


# Existing rooms' keys are asked for at each new room: keep them (room names are few and short).
_room_keys = functools.lru_cache(maxsize=4096)(name_keys)


def enter_direct(rooms: RoomState, room: str, first_frame: str | None) -> tuple[Hello, str]:
    """A direct conversation's door: its first frame must be the hello of one of its two
    identities. Returns that hello and a token for the room's HTTP history; Refused otherwise
    (banned, or a new room past the identity's limit, included)."""
    pair = direct_pair(room)
    assert pair is not None
    refusal = Refused(
        ErrorCode.DIRECT_FORBIDDEN,
        "This is a direct conversation between two people: only their hello opens it.",
    )
    try:
        frame = parse_client_frame(decode_frame(first_frame), room) if first_frame is not None else None
    except Refused:
        raise refusal from None
    if not isinstance(frame, Hello):
        raise refusal
    identity = identity_of(frame.secret)
    if rooms.bans.banned_identity(identity):
        raise banned_refusal()
    if identity not in pair:
        raise refusal
    admit_direct(rooms, room, frame)  # again at the join: the door's send may let others in
    return frame, rooms.private.issue_token(room)


def admit_direct(rooms: RoomState, room: str, hello: Hello) -> None:
    """Refuse a new direct conversation past its identity's limit (the door checked the hello)."""
    identity = identity_of(hello.secret)
    existing = rooms.manager.room_sizes().keys() | rooms.store.rooms().keys()

    def takes_part(other_room: str) -> bool:
        present = any(member.identity == identity for member in rooms.manager.members_in(other_room))
        return present or rooms.store.has_written(other_room, identity)

    check_direct_capacity(identity, room, existing, takes_part)
