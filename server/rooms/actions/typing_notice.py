"""A typing notice: sent to the room's other v2 members at the pace typing_pace.py sets, never stored.

On a cluster's node it goes to the other nodes too (server/cluster/typing_notices.py), and those relay it
to their own members of the room (`relay_from_elsewhere`) under their room budget."""

from __future__ import annotations

from server.protocol.codes import ErrorCode
from server.protocol.frames import TypingFrame
from server.protocol.refusals import Refused
from server.rooms.actions.names import tell_evicted
from server.rooms.client_frames import Typing
from server.rooms.member import Member
from server.rooms.state import RoomState

__all__ = ["relay_from_elsewhere", "send_typing"]


def send_typing(rooms: RoomState, member: Member, notice: Typing) -> None:
    if notice.sender is not None:
        tell_evicted(rooms, rooms.manager.name_member(member, notice.sender))
    if member.name is None:
        raise Refused(ErrorCode.SENDER_MISSING, "A typing notice needs a sender (or ?name= when connecting).")
    if not rooms.typing.relays(member):
        return
    frame: TypingFrame = {"type": "typing", "room": member.room, "sender": member.name}
    rooms.manager.broadcast(frame, member.room, rich_only=True, exclude=member)
    if rooms.typing_elsewhere is not None:
        rooms.typing_elsewhere(member.room, member.name, member.identity)


def relay_from_elsewhere(rooms: RoomState, room: str, sender: str) -> bool:
    """A typing notice another node of a cluster relayed: to the room's v2 members here, as a
    notice of this node's own would go (only those inside the room, so a private room's reach only
    who entered its password), if the room's budget here allows. Whether it was sent."""
    if not any(member.rich for member in rooms.manager.members_in(room)):
        return False
    if not rooms.typing.relays_from_elsewhere(room):
        return False
    frame: TypingFrame = {"type": "typing", "room": room, "sender": sender}
    rooms.manager.broadcast(frame, room, rich_only=True)
    return True
