"""Members whose connection crosses the network unencrypted, counted per room.

A host may let browsers join over plain HTTP (`--allow-plain-http`). What such a member reads and
writes is readable by anyone on the network, so everyone in the room is told how many there are:
in the welcome, and in an `encryption` frame each time the count changes.
"""

from __future__ import annotations

from server.protocol.codes import ErrorCode
from server.protocol.frames import EncryptionFrame
from server.protocol.refusals import Refused
from server.rooms.member import Member

__all__ = ["InClearMembers", "encryption_required"]


def encryption_required(what: str) -> Refused:
    """The refusal of `what` ("A private room's password", ...) over plain HTTP from the network."""
    return Refused(
        ErrorCode.ENCRYPTION_REQUIRED,
        f"{what} never crosses the network unencrypted: open this host's https:// address"
        " (the same address and port, starting with https://).",
    )


class InClearMembers:
    def __init__(self) -> None:
        self._rooms: dict[str, set[Member]] = {}

    def count(self, room: str) -> int:
        return len(self._rooms.get(room, ()))

    def joined(self, member: Member) -> EncryptionFrame:
        """`member` came in unencrypted: the frame the room's members get now."""
        self._rooms.setdefault(member.room, set()).add(member)
        return self.frame(member.room)

    def left(self, member: Member) -> EncryptionFrame | None:
        """`member` left: the frame for the room when it was one of them, else None."""
        members = self._rooms.get(member.room)
        if members is None or member not in members:
            return None
        members.discard(member)
        if not members:
            del self._rooms[member.room]
        return self.frame(member.room)

    def frame(self, room: str) -> EncryptionFrame:
        return {"type": "encryption", "room": room, "unencrypted": self.count(room)}
