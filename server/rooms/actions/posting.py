"""Posting a message: check (a repeat, the reply, the attachments, the name), store, publish to
the room, acknowledge to the sender, and tell the other person of a direct conversation."""

from __future__ import annotations

from server.files.store import Attachment, StoredUpload
from server.protocol.codes import ErrorCode
from server.protocol.frames import AckFrame, DirectFrame
from server.protocol.refusals import Refused
from server.rooms.actions.names import tell_evicted
from server.rooms.client_frames import ChatMessage
from server.rooms.direct import direct_pair, is_direct_room
from server.rooms.member import Member
from server.rooms.message_frames import message_frames, seed_frame
from server.rooms.state import RoomState
from server.rooms.storing import refusing_storage_errors
from server.storage.history import StoredMessage

__all__ = ["post"]


def post(rooms: RoomState, member: Member, message: ChatMessage) -> None:
    room = member.room
    pin: dict[str, object] = {"client_id": message.client_id} if message.client_id else {}
    with refusing_storage_errors("message", room, pin):
        if message.client_id is not None:
            existing = rooms.store.find_client_id(room, message.client_id, member.identity, message.sender)
            if existing is not None:
                # A re-send after a lost acknowledgement: confirm, do not repeat.
                rooms.manager.send(member, _ack(existing, duplicate=True))
                return
        if message.reply_to is not None:
            _check_reply(rooms, member, message)
        uploads = _attachable(rooms, room, message)
        _speak_as(rooms, member, message)
        attached: list[Attachment] = []

        def with_files(joint: object, stored: StoredMessage) -> None:
            assert rooms.files is not None  # _attachable refused files otherwise
            try:
                attached.extend(rooms.files.attach(room, stored.id, uploads, joint))
            except Refused as refusal:  # sent with another message meanwhile: this one is not stored
                refusal.extra.update(pin)
                raise

        stored = rooms.store.append(
            room,
            message.sender,
            message.text,
            message.client_id,
            identity=member.identity,
            reply_to=message.reply_to,
            # The files' records in the message's own transaction: another server of a cluster
            # that reads the message (told of it, or reading a gap before a later one) reads its
            # files too, and a later message of the room waits for both.
            along=with_files if uploads else None,
        )
        if rooms.files is not None:
            # The history keeps within its limits by dropping a room's oldest messages: their
            # files go too.
            rooms.files.detach_up_to(room, 0, rooms.store.first_id(room) - 1)
        # Still a refusal if the database fails here, after the message was stored: its client
        # sends it again and is acknowledged (a duplicate), and a cluster node's sequencer
        # delivers it to the room with the next position; never a connection dropped.
        (frame,) = message_frames(rooms.store, [stored], rooms.files)
    if rooms.sequencer is not None:
        rooms.sequencer.reach(room, stored.id)
    rooms.manager.broadcast(frame, room, seed=seed_frame(stored, attached))
    if message.client_id is not None:
        rooms.manager.send(member, _ack(stored, duplicate=False))
    if is_direct_room(room):
        _tell_direct(rooms, room, stored.sender)


def _tell_direct(rooms: RoomState, room: str, sender: str) -> None:
    """Tell the other person, wherever else on this host they are, that they have a message:
    nobody else learns of it (only the pair's identities), and nothing of its text."""
    pair = direct_pair(room) or ()
    present = {member.identity for member in rooms.manager.members_in(room)}
    frame: DirectFrame = {"type": "direct", "room": room, "sender": sender}
    for other in rooms.manager.all_members():
        if other.rich and other.identity in pair and other.identity not in present:
            rooms.manager.send(other, frame)


def _attachable(rooms: RoomState, room: str, message: ChatMessage) -> list[StoredUpload]:
    """The finished uploads the message attaches, checked before anything is stored."""
    if not message.attachments:
        return []
    pin = {"client_id": message.client_id} if message.client_id else {}
    if rooms.files is None:
        raise Refused(ErrorCode.ATTACHMENT_INVALID, "This host takes no files.", **pin)
    try:
        return rooms.files.attachable(room, list(message.attachments))
    except Refused as refusal:
        refusal.extra.update(pin)
        raise


def _check_reply(rooms: RoomState, member: Member, message: ChatMessage) -> None:
    assert message.reply_to is not None
    pin = {"id": message.reply_to, **({"client_id": message.client_id} if message.client_id else {})}
    if member.identity is None:
        raise Refused(ErrorCode.IDENTITY_REQUIRED, "A reply needs a hello first (an identity).", **pin)
    original = rooms.store.get(member.room, message.reply_to)
    if original is None:
        raise Refused(ErrorCode.MESSAGE_NOT_FOUND, "The message you reply to is not in this room.", **pin)
    if original.deleted:
        raise Refused(ErrorCode.MESSAGE_DELETED, "The message you reply to was deleted.", **pin)


def _speak_as(rooms: RoomState, member: Member, message: ChatMessage) -> None:
    """A message under another sender renames its connection, or is refused (and not stored)."""
    try:
        tell_evicted(rooms, rooms.manager.name_member(member, message.sender))
    except Refused as refusal:
        if message.client_id is not None:
            refusal.extra.setdefault("client_id", message.client_id)
        raise


def _ack(message: StoredMessage, *, duplicate: bool) -> AckFrame:
    assert message.client_id is not None
    return {
        "type": "ack",
        "client_id": message.client_id,
        "id": message.id,
        "timestamp": message.timestamp,
        "duplicate": duplicate,
    }
