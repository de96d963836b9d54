"""Every frame lanchat's room socket sends or accepts, as a tagged TypedDict, and how one is encoded.

The prose version, with examples, is PROTOCOL.md beside this file. Keep this module light: the
desktop imports it at start-up, so no FastAPI here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict

from server.policy import RATE_LIMIT_BURST, RATE_LIMIT_PER_SECOND
from server.protocol.codes import ErrorCode
from server.protocol.limits import EDIT_WINDOW_SECONDS, MAX_SENDER_CHARS, MAX_TEXT_CHARS

_dumps = json.dumps


class ClientMessage(TypedDict):
    """A chat message. The seed's shape; `type` and `client_id` are optional."""

    text: str
    sender: str
    room: NotRequired[str]  # must equal the room in the URL when present
    type: NotRequired[Literal["message"]]
    client_id: NotRequired[str]  # the client's own id: a repeat is acknowledged, never stored twice
    reply_to: NotRequired[int]  # the id of a message of this room it answers (needs a hello)


class ClientEdit(TypedDict):
    """v2: a new text for one's own message (within the edit window). Needs a hello."""

    type: Literal["edit"]
    id: int
    text: str
    client_id: NotRequired[str]  # echoed in a refusal, to pin it on the edit


class ClientDelete(TypedDict):
    """v2: delete one's own message (no window). Needs a hello."""

    type: Literal["delete"]
    id: int
    client_id: NotRequired[str]


class ClientReact(TypedDict):
    """v2: put (`on` true) or take back (false) one's reaction; explicit, so two tabs never undo
    each other. Needs a hello."""

    type: Literal["react"]
    id: int
    emoji: str
    on: bool


class ClientHello(TypedDict):
    """Who this client is: its first frame, if any. Never in the URL (URLs end up in logs)."""

    type: Literal["hello"]
    secret: str  # IDENTITY_SECRET_MIN_CHARS to _MAX_CHARS of IDENTITY_SECRET_CHARS, made once per client
    receipts: NotRequired[bool]  # False: this identity's seen goes to nobody, and it is sent nobody's


class ClientPassword(TypedDict):
    """The password of a private room: the connection's first frame there, before any hello."""

    type: Literal["password"]
    password: str


class ClientSeen(TypedDict):
    """v2, after a hello: the person has seen the room up to position `id` (see receipts.py)."""

    type: Literal["seen"]
    id: int  # 0 to the room's last position; one not higher than the last one sent is ignored


class ClientTyping(TypedDict):
    type: Literal["typing"]
    sender: NotRequired[str]


class AttachmentFrame(TypedDict):
    """A file a message carries (server/files/attachments.py). Its bytes: GET `url` (PROTOCOL.md, Files)."""

    id: str  # random and unguessable: the download's capability, with the room's access
    name: str  # as the sender's file was named: metadata only
    size: int  # bytes
    type: str  # the media type the sender declared (it never decides how the file is served)
    sha256: str  # hex, verified by the host before the message existed
    url: str  # /api/files/{id}/{name, percent-encoded}
    width: NotRequired[int]  # pixels as shown (EXIF orientation applied), for a previewed image
    height: NotRequired[int]
    thumbnail: NotRequired[Literal[True]]  # GET /api/files/{id}/thumbnail has a WebP preview


class ReplyQuote(TypedDict):
    """What a reply quotes of the message it answers, as that message is when the frame is built."""

    id: int
    sender: str  # "" when the original is no longer kept (missing)
    text: str  # its first line, at most REPLY_QUOTE_CHARS; "" when deleted or missing
    deleted: NotRequired[Literal[True]]
    missing: NotRequired[Literal[True]]  # the history let it go (older than what a room keeps)


class Reactor(TypedDict):
    identity: str
    name: str  # the name it used in the room when it reacted


class ReactionGroup(TypedDict):
    emoji: str
    by: list[Reactor]  # in the order they reacted


class MessageFrame(TypedDict):
    """A stored chat message, live or from history. Every client gets these; a seed client (no v=2)
    only the seed's fields, `type`, `id` and `client_id`."""

    text: str
    sender: str
    room: str
    timestamp: float  # seconds since the epoch, the server's clock
    type: Literal["message"]
    id: int  # the message's position in the room's sequence: increasing, with gaps for changes
    client_id: NotRequired[str]
    identity: NotRequired[str]  # v2: the sender's identity id, when its connection said hello
    reply_to: NotRequired[ReplyQuote]  # v2: the message it answers
    edited: NotRequired[float]  # v2: when it was last edited
    deleted: NotRequired[Literal[True]]  # v2: deleted by its sender or the host: `text` is ""
    reactions: NotRequired[list[ReactionGroup]]  # v2: each emoji in first-use order
    attachments: NotRequired[list[AttachmentFrame]]  # v2 clients; a seed client reads lines in `text`


class UpdateFrame(TypedDict):
    """v2: message `message.id` changed; its whole current frame. Replace the item with that id (or
    ignore it when not held). `seq` is the change's position in the room's sequence."""

    type: Literal["update"]
    room: str
    seq: int
    change: Literal["edit", "delete", "reaction"]
    message: MessageFrame


class DeletedFrame(TypedDict):
    """v2: the host deleted message `id`; show it as deleted (its text is gone from the history)."""

    type: Literal["deleted"]
    room: str
    id: int


class AckFrame(TypedDict):
    """v2: the message with this client_id is stored as `id`."""

    type: Literal["ack"]
    client_id: str
    id: int
    timestamp: float
    duplicate: bool  # True when the client_id was already stored (a re-send)


class ErrorFrame(TypedDict):
    """A refusal. Sent to every client, seed clients included."""

    type: Literal["error"]
    code: ErrorCode
    detail: str  # a sentence for people
    client_id: NotRequired[str]  # the message this error concerns, when known
    id: NotRequired[
        int
    ]  # the message (room position) the refused frame named: edit, delete, react, reply, seen
    retry_after: NotRequired[float]  # seconds, with RATE_LIMITED, NAME_CHANGE_TOO_SOON, PASSWORD_LOCKED
    tries_left: NotRequired[int]  # with PASSWORD_WRONG: wrong passwords left before the lockout


class IdentifiedFrame(TypedDict):
    """The answer to a hello: the identity the server knows this client by."""

    type: Literal["identified"]
    identity: str  # IDENTITY_ID_CHARS hex digits
    # v2 with receipts on: how far each identity has seen this room (see receipts.py). Here, not
    # in the welcome: the hello may be read after the welcome was sent.
    seen: NotRequired[list[SeenEntry]]


class SeenEntry(TypedDict):
    """How far one identity has seen a room, under the name it had then."""

    identity: str
    name: str
    id: int


class ReceiptsFrame(TypedDict):
    """v2, to members whose hello left receipts on: the receipts of the room that moved since the
    last such frame (at most one a second per room; in a big room only those about one's own
    messages). Servers before it sent each receipt alone, as a `seen` frame of one entry's fields."""

    type: Literal["receipts"]
    room: str
    seen: list[SeenEntry]  # furthest seen first


class DirectFrame(TypedDict):
    """A message in a direct conversation one is not in now: sent to the other's connections."""

    type: Literal["direct"]
    room: str  # the direct room's name (server/rooms/direct.py)
    sender: str  # who wrote, by the name they used in it


class EnteredFrame(TypedDict):
    """The answer to a right password; the room's frames follow it."""

    type: Literal["entered"]
    room: str
    token: str  # for GET /api/rooms/{room}/messages, in the ROOM_TOKEN_HEADER header
    expires_in: int | float  # seconds the token is good for, a JSON integer when whole


class TokenFrame(TypedDict):
    """v2: a fresh token for a private or direct room the member is still in (see
    ROOM_TOKEN_REFRESH_FRACTION); the earlier ones stay good until their own expiry."""

    type: Literal["token"]
    room: str
    token: str
    expires_in: int | float


class WelcomeLimits(TypedDict):
    """The limits a client paces and checks itself by; a newer server may send more."""

    max_text_chars: int
    max_sender_chars: int
    rate_limit_burst: int
    rate_limit_per_second: int | float  # a JSON integer when whole (json_number)
    edit_window_seconds: int | float  # 0: edits are off on this host


class WelcomeFrame(TypedDict):
    """v2: history replay is complete; live messages follow."""

    type: Literal["welcome"]
    room: str
    members: list[str]
    identities: NotRequired[dict[str, str]]  # name -> identity id, for names identities hold (if any)
    last_id: int  # the room's last position: of its newest message or change (0 when empty)
    first_id: int  # id of the oldest message replayed (0 when none)
    limits: WelcomeLimits
    # Connections in the room over plain HTTP from the network (a host with --allow-plain-http);
    # present only when there are any.
    unencrypted: NotRequired[int]


class EncryptionFrame(TypedDict):
    """v2: how many connections in the room cross the network unencrypted, when that changes."""

    type: Literal["encryption"]
    room: str
    unencrypted: int  # 0: everyone in the room is encrypted (or on the host's own machine) again


class PresenceFrame(TypedDict):
    """v2: one change to the member list (the whole list comes only in the welcome)."""

    type: Literal["presence"]
    room: str
    event: Literal["join", "leave", "rename"]
    name: str  # the name that joined or left; after a rename, the new one
    old: NotRequired[str]  # with a rename: the name it replaces
    identity: NotRequired[str]  # with a join or rename, when an identity holds the name


class MembersFrame(TypedDict):
    """v2: the room's whole member list, sent instead of presence changes past PRESENCE_BURST."""

    type: Literal["members"]
    room: str
    members: list[str]
    identities: NotRequired[dict[str, str]]  # name -> identity id, for names identities hold (if any)


class TypingFrame(TypedDict):
    """v2: relayed to the other v2 members of the room."""

    type: Literal["typing"]
    room: str
    sender: str


def message_frame(
    *, room: str, id: int, sender: str, text: str, timestamp: float, client_id: str | None = None
) -> MessageFrame:
    frame: MessageFrame = {
        "type": "message",
        "id": id,
        "room": room,
        "sender": sender,
        "text": text,
        "timestamp": timestamp,
    }
    if client_id is not None:
        frame["client_id"] = client_id
    return frame


def welcome_limits(edit_window_seconds: float = EDIT_WINDOW_SECONDS) -> WelcomeLimits:
    return {
        "max_text_chars": MAX_TEXT_CHARS,
        "max_sender_chars": MAX_SENDER_CHARS,
        "rate_limit_burst": RATE_LIMIT_BURST,
        "rate_limit_per_second": json_number(RATE_LIMIT_PER_SECOND),
        "edit_window_seconds": json_number(edit_window_seconds),
    }


def json_number(value: float) -> int | float:
    """A whole number of seconds (or per second) as a JSON integer: 600, not 600.0, which clients
    that type the field as an integer (Go, Rust) refuse. Fractions stay as they are."""
    return int(value) if float(value).is_integer() else value


def encode(frame: Mapping[str, Any]) -> str:
    """The text of a frame: compact JSON, non-ASCII kept as is (Cyrillic stays 2 bytes a letter)."""
    return _dumps(frame, ensure_ascii=False, separators=(",", ":"))


class SearchResult(TypedDict):
    """One result of GET /api/search: a message, with a plain-text snippet of it (never HTML) and
    the ranges of the matched words in that snippet, [start, end) in UTF-16 code units."""

    room: str
    id: int
    sender: str
    timestamp: float
    text: str
    marks: list[list[int]]
