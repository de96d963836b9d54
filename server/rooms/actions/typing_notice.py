"""A typing notice: sent to the room's other v2 members at the pace typing_pace.py sets, never stored."""

from __future__ import annotations

from server.protocol.codes import ErrorCode
from server.protocol.frames import TypingFrame
from server.protocol.refusals import Refused
from server.rooms.actions.names import tell_evicted
from server.rooms.client_frames import Typing
from server.rooms.member import Member
from server.rooms.state import RoomState

__all__ = ["send_typing"]


def send_typing(rooms: RoomState, member: Member, notice: Typing) -> None:
    if notice.sender is not None:
        tell_evicted(rooms, rooms.manager.name_member(member, notice.sender))
    if member.name is None:
        raise Refused(ErrorCode.SENDER_MISSING, "A typing notice needs a sender (or ?name= when connecting).")
    if not rooms.typing.relays(member):
        return
    frame: TypingFrame = {"type": "typing", "room": member.room, "sender": member.name}
    rooms.manager.broadcast(frame, member.room, rich_only=True, exclude=member)
