"""Who may come in: room and server capacity, bans, new rooms per address, a direct
conversation's door. Each check runs with no await before the join, so two sockets cannot both
squeeze into the last place."""

from __future__ import annotations

from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused
from server.rooms.bans import banned_refusal
from server.rooms.capacity import admit_member
from server.rooms.client_frames import Hello, decode_frame, parse_client_frame
from server.rooms.direct import check_direct_capacity, direct_pair
from server.rooms.identity import identity_of
from server.rooms.state import RoomState

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
        rooms.new_rooms.take(address)


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
    existing = rooms.manager.room_sizes().keys() | rooms.store.rooms().keys()
    check_direct_capacity(identity_of(hello.secret), room, existing)
