"""Stored messages as the frames clients get: the v2 frame with its reply quote and reactions, and
the seed's frame (its four fields, `type`, `id` and `client_id`) for clients without v=2.

A reply's quote is computed here, when the frame is built, never stored as a copy: a deleted
original's words are gone from every reply too.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.files.attachments import attachment_frame, seed_text
from server.files.store import Attachment, FileStore
from server.protocol.frames import MessageFrame, ReplyQuote, message_frame
from server.protocol.limits import REPLY_QUOTE_CHARS
from server.storage.history import HistoryStore, StoredMessage

__all__ = ["message_frames", "quote_of", "seed_frame", "seed_frames"]


def seed_frame(message: StoredMessage, attachments: Sequence[Attachment] = ()) -> MessageFrame:
    """What a seed client is sent of a message: its current text (and a line per attached file),
    no v2 field."""
    return message_frame(
        room=message.room,
        id=message.id,
        sender=message.sender,
        text=seed_text(message.text, attachments) if attachments else message.text,
        timestamp=message.timestamp,
        client_id=message.client_id,
    )


def seed_frames(messages: Sequence[StoredMessage], files: FileStore | None = None) -> list[MessageFrame]:
    """The seed frames of messages of one room, deleted ones left out (a seed client knows no
    "deleted" mark: it would show an empty message)."""
    kept = [message for message in messages if not message.deleted]
    attached = files.attachments_of(kept[0].room, [m.id for m in kept]) if files and kept else {}
    return [seed_frame(message, attached.get(message.id, ())) for message in kept]


def quote_of(original: StoredMessage | None, original_id: int) -> ReplyQuote:
    if original is None:
        return {"id": original_id, "sender": "", "text": "", "missing": True}
    if original.deleted:
        return {"id": original.id, "sender": original.sender, "text": "", "deleted": True}
    first_line = original.text.split("\n", 1)[0].strip()
    return {"id": original.id, "sender": original.sender, "text": first_line[:REPLY_QUOTE_CHARS]}


def message_frames(
    store: HistoryStore, messages: Sequence[StoredMessage], files: FileStore | None = None
) -> list[MessageFrame]:
    """The v2 frames of messages of one room, with a few queries for all of them together."""
    if not messages:
        return []
    room = messages[0].room
    live = [message.id for message in messages if not message.deleted]
    reactions = store.reactions.of(room, live)
    attached = files.attachments_of(room, live) if files is not None and live else {}
    held = {message.id: message for message in messages}
    wanted = {message.reply_to for message in messages if message.reply_to is not None} - held.keys()
    originals = {**store.get_many(room, wanted), **held} if wanted else held
    frames = []
    for message in messages:
        frame = seed_frame(message)
        if message.identity is not None:
            frame["identity"] = message.identity
        if message.reply_to is not None:
            frame["reply_to"] = quote_of(originals.get(message.reply_to), message.reply_to)
        if message.edited is not None and not message.deleted:
            frame["edited"] = message.edited
        if message.deleted:
            frame["deleted"] = True
        if message.id in reactions:
            frame["reactions"] = reactions[message.id]
        if message.id in attached:
            frame["attachments"] = [attachment_frame(a) for a in attached[message.id]]
        frames.append(frame)
    return frames
