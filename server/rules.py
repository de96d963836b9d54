"""Room rules: what a valid room, sender and message are, and how fast one may send.

Plain Python that never touches a socket. A refusal is a `Refused` carrying an
error code from the protocol; the endpoint turns it into an error frame.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .direct_rooms import direct_pair
from .hosts import HostPolicy
from .lookalikes import skeleton
from .protocol import (
    IDENTITY_SECRET_CHARS,
    IDENTITY_SECRET_MAX_CHARS,
    IDENTITY_SECRET_MIN_CHARS,
    MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_CLIENT_ID_CHARS,
    MAX_FRAME_BYTES,
    MAX_MESSAGE_ID,
    MAX_NUMBER_DIGITS,
    MAX_REACTION_CHARS,
    MAX_ROOM_CHARS,
    MAX_SENDER_CHARS,
    MAX_TEXT_CHARS,
    RATE_LIMIT_BURST,
    RATE_LIMIT_PER_SECOND,
    RENAME_MIN_INTERVAL_SECONDS,
    ROOM_NAME_PUNCTUATION,
    ErrorCode,
)

__all__ = [
    "ChatMessage",
    "Delete",
    "Edit",
    "Hello",
    "RateLimiter",
    "React",
    "Refused",
    "Seen",
    "Typing",
    "check_rename",
    "decode_frame",
    "decode_password_frame",
    "name_key",
    "origin_allowed",
    "parse_client_frame",
    "retry_after_seconds",
    "validate_after",
    "validate_origin",
    "validate_reaction",
    "validate_room",
    "validate_secret",
    "validate_sender",
    "validate_version",
]


class Refused(ValueError):
    """Input the rules do not accept. `code` is an ErrorCode, `detail` a sentence for people."""

    def __init__(self, code: ErrorCode, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra


@dataclass(frozen=True, slots=True)
class ChatMessage:
    text: str  # may be "" when the message carries attachments
    sender: str
    client_id: str | None = None
    reply_to: int | None = None
    attachments: tuple[str, ...] = ()  # upload ids (server/file_store.py)


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


# Letters and digits of any script plus ROOM_NAME_PUNCTUATION. \w would also admit
# combining marks and connector punctuation, so spell it out.
_ROOM_CHAR = re.compile(rf"[^\W_]|[{re.escape(ROOM_NAME_PUNCTUATION)}]")


def validate_room(room: str) -> str:
    if direct_pair(room) is not None:  # "@" and ":" are refused below, so no ordinary room looks so
        return room
    if not room:
        raise Refused(ErrorCode.ROOM_INVALID, "The room name is empty.")
    if len(room) > MAX_ROOM_CHARS:
        raise Refused(
            ErrorCode.ROOM_INVALID,
            f"The room name has {len(room)} characters; at most {MAX_ROOM_CHARS} are allowed.",
        )
    bad = [ch for ch in room if not _ROOM_CHAR.fullmatch(ch)]
    if bad:
        raise Refused(
            ErrorCode.ROOM_INVALID,
            f"The room name contains {bad[0]!r}; use letters, digits, spaces, '-', '_' and '.'.",
        )
    if room != room.strip():
        raise Refused(ErrorCode.ROOM_INVALID, "The room name starts or ends with a space.")
    if set(room) == {"."}:
        raise Refused(ErrorCode.ROOM_INVALID, "The room name cannot be only dots.")
    return room


# Characters a name may not contain: controls (Cc), formatting (Cf: bidi overrides such as
# U+202E, which make "\u202eecilA" render as "Alice"; zero-width spaces; U+FEFF; U+180E),
# surrogates (Cs), line and paragraph separators (Zl, Zp).
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Letters and symbols that draw nothing: a name made of them, or ending in one, looks like another.
_BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Joiners are formatting characters that some scripts need (Persian, the Indic scripts) and emoji
# sequences use; they are allowed between two characters of that kind, never next to ASCII.
_JOINERS = frozenset("\u200c\u200d")


def _joiner_allowed(before: str, after: str) -> bool:
    def joinable(ch: str) -> bool:
        return not ch.isascii() and unicodedata.category(ch)[0] in "LMS"

    return joinable(before) and joinable(after)


def _name_problem(name: str) -> str | None:
    """Why a trimmed, NFC name cannot be shown as it is, or None."""
    for index, ch in enumerate(name):
        if ch in _JOINERS and 0 < index < len(name) - 1 and _joiner_allowed(name[index - 1], name[index + 1]):
            continue
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES or ch in _BLANK_LOOKALIKES:
            return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'unnamed')})"
    if not any(unicodedata.category(ch)[0] in "LNPS" for ch in name):
        return "nothing visible"
    return None


def validate_sender(sender: object, *, missing_ok: bool = False) -> str | None:
    """A display name as it is stored and shown: trimmed, NFC, nothing invisible or misleading."""
    if sender is None:
        if missing_ok:
            return None
        raise Refused(ErrorCode.SENDER_MISSING, "The message has no sender.")
    if not isinstance(sender, str):
        raise Refused(ErrorCode.SENDER_MISSING, f"The sender must be a string, not {type(sender).__name__}.")
    sender = unicodedata.normalize("NFC", sender.strip())
    if not sender:
        raise Refused(ErrorCode.SENDER_EMPTY, "The sender name is empty.")
    if len(sender) > MAX_SENDER_CHARS:
        raise Refused(
            ErrorCode.SENDER_TOO_LONG,
            f"The sender name has {len(sender)} characters; at most {MAX_SENDER_CHARS} are allowed.",
        )
    problem = _name_problem(sender)
    if problem is not None:
        raise Refused(
            ErrorCode.SENDER_INVALID,
            f"The sender name contains {problem}; use visible letters, digits, spaces and punctuation.",
        )
    return sender


def validate_secret(secret: object) -> str:
    """The hello's identity secret."""
    if not isinstance(secret, str):
        raise Refused(ErrorCode.SECRET_INVALID, "A hello needs a secret, a string.")
    if (
        not IDENTITY_SECRET_MIN_CHARS <= len(secret) <= IDENTITY_SECRET_MAX_CHARS
        or not set(secret) <= _SECRET_CHARS
    ):
        raise Refused(
            ErrorCode.SECRET_INVALID,
            f"The secret must be {IDENTITY_SECRET_MIN_CHARS} to {IDENTITY_SECRET_MAX_CHARS} characters"
            " of A-Z, a-z, 0-9, '-' and '_' (base64url of at least 16 random bytes).",
        )
    return secret


_SECRET_CHARS = frozenset(IDENTITY_SECRET_CHARS)


def name_key(name: str) -> str:
    """What two names must share to be the same name: "Аня", "аня" and "Ан\u200dя" clash, and so
    do look-alikes from other scripts ("Anna" spelled with a Cyrillic first letter): the TR39 skeleton.
    Accents still tell names apart ("Лена"/"Лёна"); TR39 also folds digits into letters they
    look like ("0"/"O", "1"/"l"), which we accept: a name that differs only so is an impostor."""
    # Joiners draw nothing and runs of spaces (a no-break space among them) look like one space;
    # casefold can leave a string unnormalized (it expands some letters), so normalize after it.
    visible = " ".join("".join(ch for ch in name if ch not in _JOINERS).split())
    key = unicodedata.normalize("NFC", visible.casefold())
    # A prototype can be a capital ("0" -> "O"), which casefold then lowers and the skeleton may
    # map on: repeat until nothing changes, so a key is its own key.
    for _ in range(_SKELETON_ROUNDS):
        folded = unicodedata.normalize("NFC", skeleton(key).casefold())
        if folded == key:
            break
        key = folded
    return key


# Every name seen so far settles in two rounds; the bound only stops a pathological cycle.
_SKELETON_ROUNDS = 8


def retry_after_seconds(wait: float) -> float:
    """`wait` in whole milliseconds, rounded up: a client that retries exactly when told is let
    in (rounding to nearest could name a moment just short of it), and never "retry in 0 s".
    Float noise under a microsecond (10 s computed as 10.0000000001) is not a millisecond more."""
    return max(0.001, math.ceil(round(wait * 1000, 3)) / 1000)


def check_rename(renamed_at: float, now: float) -> None:
    """A connection last renamed at `renamed_at` (monotonic seconds) renames again at `now`."""
    wait = renamed_at + RENAME_MIN_INTERVAL_SECONDS - now
    if wait > 0:
        retry_after = retry_after_seconds(wait)
        raise Refused(
            ErrorCode.NAME_CHANGE_TOO_SOON,
            f"You changed your name less than {RENAME_MIN_INTERVAL_SECONDS:g} s ago;"
            f" keep your current name or retry in {retry_after:g} s.",
            retry_after=retry_after,
        )


def validate_after(after: str | None) -> int | None:
    """The `after` query parameter: the last message id a reconnecting client saw."""
    if after is None or after == "":
        return None
    if not after.isascii() or not after.isdigit() or int(after[: MAX_NUMBER_DIGITS + 1]) > MAX_MESSAGE_ID:
        raise Refused(
            ErrorCode.QUERY_INVALID, f"'after' must be a message id (a whole number >= 0), not {after!r}."
        )
    return int(after)


def validate_version(value: str | None) -> int:
    """The `v` query parameter; absent means the seed protocol (1)."""
    if value is None or value == "":
        return 1
    if not value.isascii() or not value.isdigit() or len(value) > MAX_NUMBER_DIGITS:
        raise Refused(ErrorCode.QUERY_INVALID, f"'v' must be a protocol version number, not {value!r}.")
    return int(value)


def origin_allowed(origin: str | None, host: str | None = None, hosts: HostPolicy | None = None) -> bool:
    """Whether a web page from `origin` may use this server: read its rooms, join, post.

    A browser lets any page open a WebSocket to any address, this machine's loopback server
    included, and fetch from it; it only tells the server which page asked (the Origin header).
    Pages from this server itself, from this machine (another lanchat window) and from the local
    network (a lanchat or a browser on another machine, by address or by a LAN name) may; a web
    site the user happens to visit may not. Clients that are not browsers send no Origin.
    """
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False  # includes "null": sandboxed frames and file:// pages
    policy = hosts or HostPolicy()
    # "Same origin" only for a name on this server's own list: a rebinding page controls both
    # its Origin and the Host its browser sends, so their being equal proves nothing.
    if policy.lists_origin(origin):
        return True
    if host is not None and parts.netloc.lower() == host.lower() and policy.allows_host(host):
        return True
    name = parts.hostname
    # localhost, mDNS names (pc.local) and single-label LAN names (pc): no public site has these.
    single_label = "." not in name and ":" not in name
    if name == "localhost" or name.endswith((".localhost", ".local")) or single_label:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def validate_origin(origin: str | None, host: str | None, hosts: HostPolicy | None = None) -> None:
    if not origin_allowed(origin, host, hosts):
        raise Refused(
            ErrorCode.ORIGIN_NOT_ALLOWED,
            f"A page from {origin} may not use this lanchat server;"
            " open the chat from the server's own address.",
        )


def _validate_text(text: object, *, empty_ok: bool = False) -> str:
    if text is None and empty_ok:
        return ""
    if text is None:
        raise Refused(ErrorCode.TEXT_MISSING, "The message has no text.")
    if not isinstance(text, str):
        raise Refused(ErrorCode.TEXT_MISSING, f"The text must be a string, not {type(text).__name__}.")
    text = text.strip()
    if not text and not empty_ok:
        raise Refused(ErrorCode.TEXT_EMPTY, "The message is empty.")
    if len(text) > MAX_TEXT_CHARS:
        raise Refused(
            ErrorCode.TEXT_TOO_LONG,
            f"The message has {len(text)} characters; at most {MAX_TEXT_CHARS} are allowed.",
        )
    return text


MAX_UPLOAD_ID_CHARS = 64  # ours are 32; anything longer is no id of ours


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
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= MAX_CLIENT_ID_CHARS:
        raise Refused(
            ErrorCode.CLIENT_ID_INVALID,
            f"client_id must be a string of 1 to {MAX_CLIENT_ID_CHARS} characters.",
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


def decode_password_frame(text: str | None) -> str:
    """A private room's first frame, `{"type": "password", "password": ...}`: its password, or
    Refused (password_required) for anything else, a seed client's message included."""
    try:
        data = decode_frame(text) if text is not None else None
    except Refused:
        data = None
    password = data.get("password") if data is not None and data.get("type") == "password" else None
    if not isinstance(password, str) or not password:
        raise Refused(ErrorCode.PASSWORD_REQUIRED, "This room is private: send its password first.")
    return password


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


# Format characters a reaction may hold: the zero-width joiner of emoji sequences and the tag
# characters of subdivision flags (U+E0020..U+E007F). Variation selectors are marks (Mn), allowed.
_REACTION_FORMAT = frozenset({"\u200d", *map(chr, range(0xE0020, 0xE0080))})


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


class RateLimiter:
    """A token bucket: `burst` frames at once, refilled at `per_second`."""

    __slots__ = ("_clock", "_tokens", "_updated", "burst", "per_second")

    def __init__(
        self,
        burst: int = RATE_LIMIT_BURST,
        per_second: float = RATE_LIMIT_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()

    def take(self) -> None:
        """Spend one token, or raise Refused(RATE_LIMITED) saying when to retry."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.per_second)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return
        retry_after = retry_after_seconds((1.0 - self._tokens) / self.per_second)
        raise Refused(
            ErrorCode.RATE_LIMITED,
            f"Too many frames; at most {self.per_second:g} a second. Retry in {retry_after:g} s.",
            retry_after=retry_after,
        )
