"""A member's name and identity: the hello, the first frame that settles a name, and telling
those whose name an identity took that they must choose another."""

from __future__ import annotations

from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.frames import IdentifiedFrame
from server.protocol.refusals import Refused, error_frame
from server.rooms.bans import banned_refusal
from server.rooms.client_frames import Hello
from server.rooms.identity import identity_of
from server.rooms.member import Member
from server.rooms.state import RoomState

__all__ = ["hello", "settle", "tell_evicted"]


def hello(rooms: RoomState, member: Member, frame: Hello) -> None:
    if member.settled:
        raise Refused(
            ErrorCode.HELLO_UNEXPECTED,
            "A hello must be the connection's first frame, and come once; reconnect to say it.",
        )
    identity = identity_of(frame.secret)
    if rooms.bans.banned_identity(identity):
        rooms.manager.expel(member, error_frame(banned_refusal()), CloseCode.BANNED, "banned by the host")
        return
    identified: IdentifiedFrame = {"type": "identified", "identity": identity}
    seen = rooms.receipts.hello(member, identity, receipts=frame.receipts)
    if seen is not None:
        identified["seen"] = seen
    rooms.manager.send(member, identified)
    if member.grants:  # tokens its door gave before it said who it is: a ban of it revokes them too
        rooms.private.tokens.bind(member.grants, identity)
    tell_evicted(rooms, rooms.manager.names.identify(member, identity))


def settle(rooms: RoomState, member: Member, sender: str | None) -> None:
    """The first frame of a client that said no hello: a name waiting for it is decided now."""
    if sender is not None:  # the frame names its sender itself, and its answer says if it may
        member.pending_name = None
    try:
        tell_evicted(rooms, rooms.manager.names.settle(member))
    except Refused as refusal:  # said, and the frame itself still gets its answer
        rooms.manager.send(member, error_frame(refusal))


def tell_evicted(rooms: RoomState, evicted: list[Member]) -> None:
    for other in evicted:
        refusal = Refused(
            ErrorCode.NAME_TAKEN,
            "Someone who identified themselves now uses your name in this room; choose another name.",
        )
        rooms.manager.send(other, error_frame(refusal))
