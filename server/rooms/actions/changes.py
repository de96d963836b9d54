"""Changing a stored message: an edit, a delete or a reaction. Checked (an identity, the message,
whose it is, the edit window, the reaction cap), stored at the room's next position, and published
to the room's v2 members as one `update` frame (a seed client sees the text at its next join)."""

from __future__ import annotations

import time

from server.protocol.codes import ErrorCode
from server.protocol.limits import MAX_REACTIONS_PER_MESSAGE
from server.protocol.refusals import Refused
from server.rooms.client_frames import Change, Delete, React
from server.rooms.member import Member
from server.rooms.message_frames import message_frames
from server.rooms.replay import ChangeKind, update_frame
from server.rooms.state import RoomState
from server.rooms.storing import refusing_storage_errors
from server.storage.history import StoredMessage

__all__ = ["change", "publish_change"]


def change(rooms: RoomState, member: Member, frame: Change) -> None:
    pin: dict[str, object] = {"id": frame.id}
    if not isinstance(frame, React) and frame.client_id is not None:
        pin["client_id"] = frame.client_id
    try:
        with refusing_storage_errors("change", member.room, pin):
            changed, kind = _check_and_store(rooms, member, frame)
            if changed is not None:  # its frame reads the store too (see posting.py)
                publish_change(rooms, changed, kind)
    except Refused as refusal:
        for key, value in pin.items():
            refusal.extra.setdefault(key, value)
        raise


def publish_change(rooms: RoomState, message: StoredMessage, kind: ChangeKind) -> None:
    """Tell the room's v2 members that a message changed (the host's delete uses it too)."""
    assert message.changed_at is not None
    if kind == "delete" and rooms.files is not None:
        rooms.files.detach(message.room, message.id)  # its files go with it
    (frame,) = message_frames(rooms.store, [message], rooms.files)
    if rooms.sequencer is not None and not rooms.sequencer.reach(message.room, message.changed_at):
        return  # `lanchat admin`'s delete, say: the members here had it from the tables already
    rooms.manager.broadcast(update_frame(frame, message.changed_at, kind), message.room, rich_only=True)


def _check_and_store(
    rooms: RoomState, member: Member, frame: Change
) -> tuple[StoredMessage | None, ChangeKind]:
    if member.identity is None:
        raise Refused(
            ErrorCode.IDENTITY_REQUIRED,
            "Editing, deleting and reacting need a hello first: whose message it is is an identity.",
        )
    message = rooms.store.get(member.room, frame.id)
    if message is None:
        raise Refused(ErrorCode.MESSAGE_NOT_FOUND, f"This room keeps no message {frame.id}.")
    if message.deleted:
        raise Refused(ErrorCode.MESSAGE_DELETED, "That message was deleted.")
    if isinstance(frame, React):
        return _react(rooms, member, member.identity, message, frame), "reaction"
    if message.identity != member.identity:
        raise Refused(ErrorCode.NOT_YOUR_MESSAGE, "Only the person who sent a message may change it.")
    if isinstance(frame, Delete):
        return rooms.store.delete(member.room, message.id), "delete"
    window = rooms.edit_window_seconds
    if window <= 0 or time.time() - message.timestamp > window:
        raise Refused(
            ErrorCode.EDIT_WINDOW_PASSED,
            "This host does not allow edits."
            if window <= 0
            else f"A message may be edited for {window / 3600:g} h after it was sent; this one is older.",
        )
    return rooms.store.edit(member.room, message.id, frame.text), "edit"


def _react(
    rooms: RoomState, member: Member, identity: str, message: StoredMessage, frame: React
) -> StoredMessage | None:
    room, reactions = member.room, rooms.store.reactions
    if (
        frame.on
        and not reactions.has_emoji(room, message.id, frame.emoji)
        and reactions.emoji_count(room, message.id) >= MAX_REACTIONS_PER_MESSAGE
    ):
        raise Refused(
            ErrorCode.TOO_MANY_REACTIONS,
            f"A message carries at most {MAX_REACTIONS_PER_MESSAGE} different reactions;"
            " add one of those it has.",
        )
    return rooms.store.react(room, message.id, frame.emoji, identity, member.name or "", frame.on)
