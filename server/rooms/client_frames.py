"""What a client may send on the room socket, decoded and checked into plain values (no socket here)."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any

from server.protocol.codes import ErrorCode
from server.protocol.limits import (
    MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_CLIENT_ID_CHARS,
    MAX_FRAME_BYTES,
    MAX_MESSAGE_ID,
    MAX_REACTION_CHARS,
    MAX_TEXT_CHARS,
)
from server.protocol.refusals import Refused
from server.rooms.validation import validate_secret, validate_sender

MAX_UPLOAD_ID_CHARS = 64  # ours are 32; anything longer is no id of ours

# Format characters a reaction may hold: the zero-width joiner of emoji sequences and the tag
# characters of subdivision flags (U+E0020..U+E007F). Variation selectors are marks (Mn), allowed.
_REACTION_FORMAT = frozenset({"\u200d", *map(chr, range(0xE0020, 0xE0080))})


@dataclass(frozen=True, slots=True)
class ChatMessage:
    text: str  # may be "" when the message carries attachments
    sender: str
    client_id: str | None = None
    reply_to: int | None = None
    attachments: tuple[str, ...] = ()  # upload ids (server/files/store.py)


@dataclass(frozen=True, slots=True)
class Edit:
    id: int
    text: str
    client_id: str | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    id: int
    client_id: str | None = None


@dataclass(frozen=True, slots=True)
class React:
    id: int
    emoji: str
    on: bool


# A frame that changes a stored message: each needs the connection's identity.
Change = Edit | Delete | React


@dataclass(frozen=True, slots=True)
class Typing:
    sender: str | None


@dataclass(frozen=True, slots=True)
class Hello:
    secret: str
    receipts: bool = True  # False: opted out of read receipts, both ways


@dataclass(frozen=True, slots=True)
class Seen:
    id: int  # checked against the room's last position by receipts.py


def _validate_text(text: object, *, empty_ok: bool = False) -> str:
    if text is None and empty_ok:
        return ""
    if text is None:
        raise Refused(ErrorCode.TEXT_MISSING, "The message has no text.")
    if not isinstance(text, str):
        raise Refused(ErrorCode.TEXT_MISSING, f"The text must be a string, not {type(text).__name__}.")
    # U+0000 draws nothing, and PostgreSQL's text cannot hold it: it goes, on every engine alike.
    text = text.replace("\x00", "").strip()
    if not text and not empty_ok:
        raise Refused(ErrorCode.TEXT_EMPTY, "The message is empty.")
    if len(text) > MAX_TEXT_CHARS:
        raise Refused(
            ErrorCode.TEXT_TOO_LONG,
            f"The message has {len(text)} characters; at most {MAX_TEXT_CHARS} are allowed.",
        )
    return text


def validate_attachment_ids(value: Any) -> tuple[str, ...]:
    """A message frame's `attachments`: absent, or 1 to MAX_ATTACHMENTS_PER_MESSAGE distinct upload ids."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(item, str) and 0 < len(item) <= MAX_UPLOAD_ID_CHARS for item in value
    ):
        raise Refused(ErrorCode.ATTACHMENT_INVALID, "`attachments` must be a list of upload ids (strings).")
    if len(value) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise Refused(
            ErrorCode.TOO_MANY_ATTACHMENTS,
            f"The message has {len(value)} attachments; at most {MAX_ATTACHMENTS_PER_MESSAGE} are allowed.",
        )
    if len(set(value)) != len(value):
        raise Refused(ErrorCode.ATTACHMENT_INVALID, "The message names one upload twice.")
    return tuple(value)


def _validate_client_id(client_id: Any) -> str | None:
    if client_id is None:
        return None
    # No U+0000 either: PostgreSQL's text cannot hold it, and an id a store refuses would be
    # re-sent for ever.
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= MAX_CLIENT_ID_CHARS or "\0" in client_id:
        raise Refused(
            ErrorCode.CLIENT_ID_INVALID,
            f"client_id must be a string of 1 to {MAX_CLIENT_ID_CHARS} characters, without U+0000.",
        )
    return client_id


def decode_frame(text: str) -> dict[str, Any]:
    """A text frame as a JSON object, or Refused."""
    # len(text) <= bytes, so only long frames pay for the encode.
    if len(text) * 4 > MAX_FRAME_BYTES and len(text.encode()) > MAX_FRAME_BYTES:
        raise Refused(
            ErrorCode.FRAME_TOO_LARGE,
            f"The frame has {len(text.encode())} bytes; at most {MAX_FRAME_BYTES} are allowed.",
        )
    try:
        data = json.loads(text)
    except ValueError:
        raise Refused(ErrorCode.INVALID_JSON, "The frame is not valid JSON.") from None
    except RecursionError:  # nested deeper than the parser's stack allows (about 1,000 levels)
        raise Refused(ErrorCode.INVALID_JSON, "The frame's JSON is nested too deeply.") from None
    if not isinstance(data, dict):
        raise Refused(ErrorCode.INVALID_FRAME, f"The frame must be a JSON object, not {type(data).__name__}.")
    return data


@dataclass(frozen=True, slots=True)
class DoorKey:
    """What a private room's first frame offers: its password, or a room token the host's own
    window was given for it (a token opens the door it was issued for while it is good)."""

    password: str | None = None
    token: str | None = None


def decode_password_frame(text: str | None) -> DoorKey:
    """A private room's first frame, `{"type": "password", "password": ...}` (or `"token": ...`):
    what it offers, or Refused (password_required) for anything else, a seed client's message
    included."""
    try:
        data = decode_frame(text) if text is not None else None
    except Refused:
        data = None
    if data is None or data.get("type") != "password":
        data = {}
    password, token = data.get("password"), data.get("token")
    if isinstance(password, str) and password:
        return DoorKey(password=password)
    if isinstance(token, str) and token:
        return DoorKey(token=token)
    raise Refused(ErrorCode.PASSWORD_REQUIRED, "This room is private: send its password first.")


def _validate_receipts(value: object) -> bool:
    if not isinstance(value, bool):
        raise Refused(ErrorCode.INVALID_FRAME, f"A hello's 'receipts' must be true or false, not {value!r}.")
    return value


def _validate_seen_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MESSAGE_ID:
        raise Refused(
            ErrorCode.SEEN_INVALID,
            f"A seen frame's 'id' must be a room position (a whole number >= 0), not {value!r}.",
        )
    return value


def validate_reaction(emoji: object) -> str:
    """A reaction as it is stored: NFC, 1 to MAX_REACTION_CHARS code points, nothing invisible."""
    if not isinstance(emoji, str):
        raise Refused(ErrorCode.REACTION_INVALID, "A reaction's emoji must be a string.")
    emoji = unicodedata.normalize("NFC", emoji)
    if not 1 <= len(emoji) <= MAX_REACTION_CHARS:
        raise Refused(
            ErrorCode.REACTION_INVALID,
            f"A reaction is 1 to {MAX_REACTION_CHARS} characters; this one has {len(emoji)}.",
        )
    for ch in emoji:
        category = unicodedata.category(ch)
        if category[0] == "Z" or category in ("Cc", "Cs", "Co", "Cn") or ch.isspace():
            raise Refused(ErrorCode.REACTION_INVALID, f"A reaction may not contain U+{ord(ch):04X}.")
        if category == "Cf" and ch not in _REACTION_FORMAT:
            raise Refused(ErrorCode.REACTION_INVALID, f"A reaction may not contain U+{ord(ch):04X}.")
    if all(ch in _REACTION_FORMAT or unicodedata.category(ch) == "Mn" for ch in emoji):
        raise Refused(ErrorCode.REACTION_INVALID, "A reaction must show something.")
    return emoji


def _validate_id(value: object, field: str = "id") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MESSAGE_ID:
        raise Refused(ErrorCode.ID_INVALID, f"'{field}' must be a message id (a whole number >= 1).")
    return value


def _parse_change(kind: str, data: dict[str, Any]) -> Change:
    client_id = data.get("client_id") if kind != "react" else None
    try:
        message_id = _validate_id(data.get("id"))
        if kind == "edit":
            return Edit(message_id, _validate_text(data.get("text")), _validate_client_id(client_id))
        if kind == "delete":
            return Delete(message_id, _validate_client_id(client_id))
        on = data.get("on")
        if not isinstance(on, bool):
            raise Refused(ErrorCode.INVALID_FRAME, "A react frame's 'on' must be true or false.")
        return React(message_id, validate_reaction(data.get("emoji")), on)
    except Refused as refusal:
        _pin(refusal, data.get("id"), client_id)
        raise


def _pin(refusal: Refused, message_id: object, client_id: object) -> None:
    """Let the client pin the error on the frame it concerns (when it named it validly)."""
    if isinstance(client_id, str) and len(client_id) <= MAX_CLIENT_ID_CHARS:
        refusal.extra.setdefault("client_id", client_id)
    if isinstance(message_id, int) and not isinstance(message_id, bool) and 1 <= message_id <= MAX_MESSAGE_ID:
        refusal.extra.setdefault("id", message_id)


def parse_client_frame(data: dict[str, Any], room: str) -> ChatMessage | Typing | Hello | Seen | Change:
    """What a decoded client frame asks for, checked against the room in the URL."""
    kind = data.get("type", "message")
    if kind == "typing":
        return Typing(sender=validate_sender(data.get("sender"), missing_ok=True))
    if kind == "hello":
        return Hello(
            secret=validate_secret(data.get("secret")),
            receipts=_validate_receipts(data.get("receipts", True)),
        )
    if kind == "seen":
        return Seen(id=_validate_seen_id(data.get("id")))
    if kind in ("edit", "delete", "react"):
        return _parse_change(kind, data)
    if kind != "message":
        raise Refused(
            ErrorCode.UNKNOWN_TYPE,
            f"Unknown frame type {kind!r}; expected 'message', 'typing', 'hello', 'seen', 'edit',"
            " 'delete' or 'react'.",
        )
    client_id = data.get("client_id")
    try:
        # The URL names the room; a body naming another must never reach it.
        body_room = data.get("room")
        if body_room is not None and body_room != room:
            raise Refused(
                ErrorCode.ROOM_MISMATCH,
                f"The message names room {body_room!r} but this connection is in room {room!r}.",
            )
        reply_to = data.get("reply_to")
        attachments = validate_attachment_ids(data.get("attachments"))
        return ChatMessage(
            # A message of files alone may have no text.
            text=_validate_text(data.get("text"), empty_ok=bool(attachments)),
            sender=validate_sender(data.get("sender")),  # type: ignore[arg-type]
            client_id=_validate_client_id(client_id),
            reply_to=None if reply_to is None else _validate_id(reply_to, "reply_to"),
            attachments=attachments,
        )
    except Refused as refusal:
        # Let the client pin the error on the message it concerns.
        _pin(refusal, None, client_id)
        raise
