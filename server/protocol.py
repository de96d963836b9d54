"""Every frame lanchat's room socket sends or accepts, with its limits and codes.

The prose version, with examples, is PROTOCOL.md beside this file. Server, tests,
benchmarks and the desktop settings import from here; the UI's constants are
generated from it (server/protocol_js.py writes ui/src/protocol.generated.js).
Keep this module light: the desktop imports it at start-up, so no FastAPI here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import IntEnum, StrEnum
from typing import Any, Literal, NotRequired, TypedDict

_dumps = json.dumps

__all__ = [
    "ADDRESS_RATE_LIMIT_BURST",
    "ADDRESS_RATE_LIMIT_PER_SECOND",
    "EDIT_WINDOW_SECONDS",
    "FILE_ACCESS_COOKIE_PREFIX",
    "HISTORY_ON_JOIN",
    "HISTORY_PAGE_MAX",
    "IDENTITY_ID_CHARS",
    "IDENTITY_SECRET_CHARS",
    "IDENTITY_SECRET_MAX_CHARS",
    "IDENTITY_SECRET_MIN_CHARS",
    "MAX_ATTACHMENTS_PER_MESSAGE",
    "MAX_CLIENT_ID_CHARS",
    "MAX_CONNECTIONS_PER_ADDRESS",
    "MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS",
    "MAX_DIRECT_ROOMS_PER_IDENTITY",
    "MAX_EDIT_WINDOW_HOURS",
    "MAX_FILE_BYTES",
    "MAX_FRAME_BYTES",
    "MAX_MEMBERS_PER_ROOM",
    "MAX_REACTIONS_PER_MESSAGE",
    "MAX_REACTION_CHARS",
    "MAX_ROOMS",
    "MAX_ROOM_CHARS",
    "MAX_ROOM_PASSWORD_CHARS",
    "MAX_ROOM_SOCKETS_PER_ADDRESS",
    "MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS",
    "MAX_SEARCH_OFFSET",
    "MAX_SEARCH_QUERY_CHARS",
    "MAX_SEARCH_ROOMS",
    "MAX_SEARCH_TERMS",
    "MAX_SEARCH_TOKENS",
    "MAX_SENDER_CHARS",
    "MAX_TEXT_CHARS",
    "MIN_ROOM_PASSWORD_CHARS",
    "NEW_ROOMS_BURST",
    "NEW_ROOMS_PER_HOUR",
    "OUTBOX_MAX_BYTES",
    "OUTBOX_MAX_FRAMES",
    "PASSWORD_FAILURES_BEFORE_LOCKOUT",
    "PASSWORD_LOCKOUT_SECONDS",
    "PASSWORD_WAIT_SECONDS",
    "PRESENCE_BURST",
    "PRESENCE_PER_SECOND",
    "PROTOCOL_VERSION",
    "RATE_LIMIT_BURST",
    "RATE_LIMIT_PER_SECOND",
    "RENAME_MIN_INTERVAL_SECONDS",
    "REPLY_QUOTE_CHARS",
    "REQUEST_HEAD_TIMEOUT_SECONDS",
    "ROOM_LIST_PAGE",
    "ROOM_LIST_PAGE_MAX",
    "ROOM_NAME_PUNCTUATION",
    "ROOM_TOKEN_HEADER",
    "ROOM_TOKEN_REFRESH_FRACTION",
    "ROOM_TOKEN_SECONDS",
    "SEARCH_PAGE",
    "SEARCH_PAGE_MAX",
    "SEARCH_SNIPPET_CHARS",
    "SEEN_RATE_BURST",
    "SEEN_RATE_PER_SECOND",
    "SEEN_SEND_INTERVAL_SECONDS",
    "TRANSPORT_MAX_FRAME_BYTES",
    "UPLOAD_BODY_IDLE_SECONDS",
    "AckFrame",
    "AttachmentFrame",
    "ClientDelete",
    "ClientEdit",
    "ClientHello",
    "ClientMessage",
    "ClientPassword",
    "ClientReact",
    "ClientSeen",
    "ClientTyping",
    "CloseCode",
    "DeletedFrame",
    "DirectFrame",
    "EnteredFrame",
    "ErrorCode",
    "ErrorFrame",
    "IdentifiedFrame",
    "MembersFrame",
    "MessageFrame",
    "PresenceFrame",
    "ReactionGroup",
    "Reactor",
    "ReplyQuote",
    "SearchResult",
    "SeenEntry",
    "SeenFrame",
    "TokenFrame",
    "TypingFrame",
    "UpdateFrame",
    "WelcomeFrame",
    "WelcomeLimits",
    "encode",
    "message_frame",
    "welcome_limits",
]

# A client opts into the frames beyond the seed's (welcome, ack, presence,
# typing) by connecting to /ws/{room}?v=2.
PROTOCOL_VERSION = 2

# Limits. Text and sender are measured in characters after trimming whitespace.
MAX_TEXT_CHARS = 4000
MAX_SENDER_CHARS = 32
MAX_ROOM_CHARS = 64
MAX_CLIENT_ID_CHARS = 64
# A room name is letters and digits of any script (Cyrillic included) plus these.
ROOM_NAME_PUNCTUATION = " -_."
# A text frame larger than this (UTF-8 bytes) is refused with an error frame and
# the connection stays open.
MAX_FRAME_BYTES = 64 * 1024
# Frames larger than this are cut off by the WebSocket layer itself (close 1009):
# past it we would have to buffer the whole frame just to refuse it.
TRANSPORT_MAX_FRAME_BYTES = 1024 * 1024

# Per connection token bucket: a burst of frames, refilled at a steady rate.
# Sized so a client flushing a long offline outbox is slowed, not refused for good.
RATE_LIMIT_BURST = 30
RATE_LIMIT_PER_SECOND = 10.0
# And per client address on the network, all its connections together: 50 connections from one
# machine once wrote 78 MiB of history in 10 s. Loopback (this machine, whose user owns the
# server and its files) has no such limit; each of its connections keeps its own.
ADDRESS_RATE_LIMIT_BURST = 60
ADDRESS_RATE_LIMIT_PER_SECOND = 20.0

# Rooms one server keeps (with members or history): joining a new one past it is refused
# (close 4010). Connections one room takes (close 4011): each message is one send per member.
MAX_ROOMS = 1000
MAX_MEMBERS_PER_ROOM = 1024
# New rooms one address on the network may make: a burst, then one a minute (close 4012). Rooms
# with history outlive their members, so without it one peer could fill MAX_ROOMS in a minute
# and leave nobody a new room. Loopback, this machine, is not limited.
NEW_ROOMS_BURST = 20
NEW_ROOMS_PER_HOUR = 60

# A connection's name is set by ?name= or by the sender of its first message or typing notice;
# a frame under another sender renames it, at most once per this many seconds (the first
# rename after joining is free). Every rename is a leave and a join for each member of the
# room, so a client changing its sender on every typing notice would flood them all.
RENAME_MIN_INTERVAL_SECONDS = 10.0

# Read receipts (server/receipts.py). A client sends at most one `seen` frame per room socket per
# SEEN_SEND_INTERVAL_SECONDS (the UI coalesces what scrolls into view). The server lets a socket's
# seen frames through at SEEN_RATE_PER_SECOND after a burst of SEEN_RATE_BURST: past that a seen
# frame is refused (rate_limited) and dropped, but reading goes on, so a client that reads fast
# never has its messages held up. Each seen frame still counts as one frame of RATE_LIMIT_*: at
# the UI's pace that is one token a second of the ten a second that refill.
SEEN_SEND_INTERVAL_SECONDS = 1.0
SEEN_RATE_BURST = 5
SEEN_RATE_PER_SECOND = 2.0

# Presence changes a room's members are sent, per room: a burst, then a steady rate. Past it the
# changes are folded into one `members` frame (the whole list) once the budget allows, so clients
# that reconnect under new names as fast as they can cost each member a few frames a second.
PRESENCE_BURST = 30
PRESENCE_PER_SECOND = 10.0

# A client's identity secret (the hello frame): base64url characters (hex is a subset), at least
# 22 of them (132 bits, base64url's spelling of 128 random bits), so a guess is hopeless.
# The UI makes 32 random bytes (43 characters).
IDENTITY_SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
IDENTITY_SECRET_MIN_CHARS = 22
IDENTITY_SECRET_MAX_CHARS = 128
# The identity id is this many hex digits of a hash of the secret (64 bits): short enough to show,
# and two of a LAN's identities sharing one is out of reach by chance.
IDENTITY_ID_CHARS = 16

# Private rooms (server/private_rooms.py). A password the host sets has this many characters.
MIN_ROOM_PASSWORD_CHARS = 4
MAX_ROOM_PASSWORD_CHARS = 128
# A client entering a private room sends its password frame within this many seconds of
# connecting, or is refused (password_required, close 4013): a seed client included.
PASSWORD_WAIT_SECONDS = 10.0
# Wrong passwords from one client address (all rooms, all its connections): the Nth wrong one
# starts a lockout of this many seconds, during which every try is refused with retry_after.
PASSWORD_FAILURES_BEFORE_LOCKOUT = 5
PASSWORD_LOCKOUT_SECONDS = 60.0
# The token an `entered` frame carries opens the room's HTTP history, sent in this header (never
# the URL), for this many seconds; a new password or an open room revokes it.
ROOM_TOKEN_HEADER = "X-Lanchat-Room-Token"
ROOM_TOKEN_SECONDS = 600.0
# A member still connected to a private or direct room gets a fresh token (a `token` frame) when
# this fraction of its token's life has passed, so a long-open tab keeps its history and files;
# the old token stays good until its own expiry, so requests in flight do not break.
ROOM_TOKEN_REFRESH_FRACTION = 0.5

# Files (server/file_store.py, tus 1.0 under /api/uploads; see PROTOCOL.md "Files"). One file is at
# most MAX_FILE_BYTES; a message carries at most MAX_ATTACHMENTS_PER_MESSAGE. A PATCH body streams
# for as long as it takes, but a pause of UPLOAD_BODY_IDLE_SECONDS with no byte closes it (the
# client resumes from the host's offset).
MAX_FILE_BYTES = 4 * 1024**3
MAX_ATTACHMENTS_PER_MESSAGE = 10
UPLOAD_BODY_IDLE_SECONDS = 60.0
# POST /api/rooms/{room}/access turns a room token into this cookie (path /api/files/): <img> and
# download links cannot send the token header.
FILE_ACCESS_COOKIE_PREFIX = "lanchat_files_"

# Direct conversations (server/direct_rooms.py): one identity takes part in at most this many;
# entering one more that does not exist yet is refused (too_many_direct_rooms, close 4017).
MAX_DIRECT_ROOMS_PER_IDENTITY = 50

# Edits, deletes and reactions (issue 15). A message's sender (its identity) may edit it for this
# long after posting (`lanchat serve --edit-window-hours`, the window's Host panel; 0 turns edits
# off); deleting one's own message has no window.
EDIT_WINDOW_SECONDS = 24 * 3600.0
# The longest edit window a host may set (a year), so the setting stays a number people mean.
MAX_EDIT_WINDOW_HOURS = 24 * 365
# A reaction is 1 to this many code points (an emoji sequence: a family is 7, a flag with tags 7).
MAX_REACTION_CHARS = 16
# Distinct reactions one message carries; a new one past it is refused (too_many_reactions).
MAX_REACTIONS_PER_MESSAGE = 20
# A reply's quote of the message it answers: its first line, at most this many characters.
REPLY_QUOTE_CHARS = 140

# A member joining without `after` first receives the room's last N messages.
HISTORY_ON_JOIN = 100
# The HTTP history endpoint returns at most this many messages a page.
HISTORY_PAGE_MAX = 200
# GET /api/rooms answers a page of the room list: this many rooms unless `limit` says otherwise,
# and never more than the max (10,000 rooms were once a 1.5 MiB answer the join screen drew whole).
ROOM_LIST_PAGE = 100
ROOM_LIST_PAGE_MAX = 500
# GET /api/search (server/search.py): a query of at most this many characters and distinct words
# (stems); a page of SEARCH_PAGE results unless `limit` says otherwise, never more than the max;
# no page starts past MAX_SEARCH_OFFSET (nobody reads that far: narrow the search instead).
MAX_SEARCH_QUERY_CHARS = 200
MAX_SEARCH_TERMS = 8
SEARCH_PAGE = 20
SEARCH_PAGE_MAX = 50
MAX_SEARCH_OFFSET = 1000
# At most this many `room=` in one search, and this many tokens in its ROOM_TOKEN_HEADER
# (comma-separated: one per private or direct room the caller has entered).
MAX_SEARCH_ROOMS = 50
MAX_SEARCH_TOKENS = 50
# A result's text is the message whole up to this many characters, else a window around the match.
SEARCH_SNIPPET_CHARS = 160

# A member whose unsent frames exceed either bound is disconnected with
# CloseCode.TOO_SLOW, so one reader that stops never delays the room.
OUTBOX_MAX_FRAMES = 2000
OUTBOX_MAX_BYTES = 1024 * 1024


# Connections one client address may hold at once (server/client_limits.py). An address on the
# network is one machine: a window or a browser with a socket per joined room, plus HTTP. Loopback
# is this machine, where the window, browser tabs and other windows all share 127.0.0.1. The
# room socket caps are below the connection caps so a client opening sockets gets the error
# frame (close 4029), not the plain 503 for connections past the cap.
MAX_ROOM_SOCKETS_PER_ADDRESS = 64
MAX_CONNECTIONS_PER_ADDRESS = 96
MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS = 512
MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS = 640
# From a request's first byte (or from connecting) to the end of its line and headers; past it
# the server answers 408 and closes (`lanchat serve --request-head-timeout`). A browser sends its
# few KiB at once; a client trickling a header a byte at a time is only holding a connection.
REQUEST_HEAD_TIMEOUT_SECONDS = 10.0


# Message ids are SQLite integers: a larger `before`, `after` or `v` is malformed, not a crash.
MAX_MESSAGE_ID = 2**63 - 1
MAX_NUMBER_DIGITS = len(str(MAX_MESSAGE_ID))  # 19


class ErrorCode(StrEnum):
    """The `code` of an error frame. Each names what was refused."""

    INVALID_JSON = "invalid_json"  # text frame that is not JSON
    INVALID_FRAME = "invalid_frame"  # JSON, but not an object
    BINARY_NOT_SUPPORTED = "binary_not_supported"
    FRAME_TOO_LARGE = "frame_too_large"
    UNKNOWN_TYPE = "unknown_type"
    TEXT_MISSING = "text_missing"
    TEXT_EMPTY = "text_empty"
    TEXT_TOO_LONG = "text_too_long"
    SENDER_MISSING = "sender_missing"
    SENDER_EMPTY = "sender_empty"
    SENDER_TOO_LONG = "sender_too_long"
    CLIENT_ID_INVALID = "client_id_invalid"
    ROOM_INVALID = "room_invalid"
    ROOM_MISMATCH = "room_mismatch"
    QUERY_INVALID = "query_invalid"
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"  # a web page from outside this machine and its network
    RATE_LIMITED = "rate_limited"
    NAME_CHANGE_TOO_SOON = "name_change_too_soon"  # renamed again within RENAME_MIN_INTERVAL_SECONDS
    NAME_TAKEN = "name_taken"  # another identity holds this name in the room
    SENDER_INVALID = "sender_invalid"  # control or invisible characters, or nothing visible
    SECRET_INVALID = "secret_invalid"  # the hello's secret is missing, too short, too long or oddly spelled
    HELLO_UNEXPECTED = "hello_unexpected"  # a hello that is not the connection's first frame
    STORAGE_FAILED = "storage_failed"  # the server could not store the message; it was not sent
    STORAGE_FULL = "storage_full"  # the server's disk is nearly full; the message was not stored
    TOO_MANY_ROOMS = "too_many_rooms"  # the server holds MAX_ROOMS rooms; a new one is refused
    ROOM_FULL = "room_full"  # the room has MAX_MEMBERS_PER_ROOM connections
    TOO_MANY_NEW_ROOMS = "too_many_new_rooms"  # this address made NEW_ROOMS_BURST new rooms just now
    TOO_MANY_CONNECTIONS = "too_many_connections"  # this address holds its room socket cap already
    PASSWORD_REQUIRED = "password_required"  # a private room: the first frame must be its password
    PASSWORD_WRONG = "password_wrong"  # the password frame's password is not the room's
    PASSWORD_LOCKED = "password_locked"  # too many wrong passwords from this address: retry_after
    REMOVED = "removed"  # the host removed this member from the room (it may join again)
    BANNED = "banned"  # the host banned this identity or address (server/moderation.py)
    DIRECT_FORBIDDEN = "direct_forbidden"  # a direct conversation, and no hello of one of its two identities
    IDENTITY_REQUIRED = "identity_required"  # the frame needs the connection's hello identity
    SEEN_INVALID = "seen_invalid"  # a seen frame's id is no whole number, or past the room's last position
    TOO_MANY_DIRECT_ROOMS = (
        "too_many_direct_rooms"  # this identity is in MAX_DIRECT_ROOMS_PER_IDENTITY already
    )
    SEARCH_INVALID = "search_invalid"  # GET /api/search: no word, too long, too many words or rooms
    # Files (server/file_store.py, server/uploads.py): HTTP answers carry them, the socket some.
    FILE_TOO_LARGE = "file_too_large"  # an upload past MAX_FILE_BYTES (HTTP 413)
    FILE_NAME_INVALID = "file_name_invalid"  # no name, too long, or control characters (HTTP 400)
    CHECKSUM_MISSING = "checksum_missing"  # the upload's metadata has no sha256 of 32 bytes (HTTP 400)
    CHECKSUM_MISMATCH = "checksum_mismatch"  # the bytes that arrived are not the declared file (HTTP 460)
    UPLOAD_INVALID = "upload_invalid"  # a tus request without its headers, or malformed ones (HTTP 400)
    UPLOAD_NOT_FOUND = "upload_not_found"  # no such upload (never made, cancelled, expired, failed)
    UPLOAD_TOO_LONG = "upload_too_long"  # a PATCH sends more bytes than the upload's length (HTTP 400)
    OFFSET_MISMATCH = "offset_mismatch"  # Upload-Offset is not where the host is (HTTP 409): HEAD first
    UPLOAD_BUSY = "upload_busy"  # another PATCH of this upload is still running (HTTP 423)
    TOO_MANY_UPLOADS = "too_many_uploads"  # this address has MAX_UPLOADS_PER_ADDRESS unfinished (429)
    ROOM_FILES_FULL = "room_files_full"  # the room's files would pass MAX_ROOM_FILE_BYTES (HTTP 507)
    HOST_FILES_FULL = "host_files_full"  # the host's files would pass MAX_HOST_FILE_BYTES (HTTP 507)
    FILE_NOT_FOUND = "file_not_found"  # no attachment has that id (HTTP 404)
    ATTACHMENT_INVALID = "attachment_invalid"  # a message names an upload not finished or not this room's
    TOO_MANY_ATTACHMENTS = "too_many_attachments"  # a message with more than MAX_ATTACHMENTS_PER_MESSAGE
    ID_INVALID = "id_invalid"  # a message id (`id`, `reply_to`) that is not a whole number >= 1
    MESSAGE_NOT_FOUND = "message_not_found"  # the room keeps no message with that id
    MESSAGE_DELETED = "message_deleted"  # the message was deleted: no edit, reaction or reply
    NOT_YOUR_MESSAGE = "not_your_message"  # only the identity that sent a message edits or deletes it
    EDIT_WINDOW_PASSED = "edit_window_passed"  # older than the host's edit window (or edits are off)
    REACTION_INVALID = "reaction_invalid"  # not 1..MAX_REACTION_CHARS visible code points
    TOO_MANY_REACTIONS = "too_many_reactions"  # the message has MAX_REACTIONS_PER_MESSAGE emoji already


class CloseCode(IntEnum):
    """WebSocket close codes the server uses (4000-4999 are ours by RFC 6455)."""

    NORMAL = 1000
    GOING_AWAY = 1001  # server shutting down
    SERVICE_RESTART = 1012  # uvicorn closes sockets with this on shutdown: reconnect with `after`
    MESSAGE_TOO_BIG = 1009  # frame over TRANSPORT_MAX_FRAME_BYTES (closed by the WebSocket layer)
    ROOM_INVALID = 4001  # the room in the URL breaks the naming rules; an error frame says why
    QUERY_INVALID = 4002  # a query parameter (v, name, after) is malformed; an error frame says why
    ORIGIN_NOT_ALLOWED = 4003  # the page that opened the socket is not from this server, machine or network
    TOO_SLOW = 4008  # the member stopped reading and its outbox overflowed
    TOO_MANY_ROOMS = 4010  # a new room, and the server holds MAX_ROOMS already; an error frame says so
    ROOM_FULL = 4011  # the room has MAX_MEMBERS_PER_ROOM connections; an error frame says so
    TOO_MANY_NEW_ROOMS = 4012  # this address makes new rooms too fast; an error frame says when to retry
    PASSWORD_REQUIRED = 4013  # a private room, and the first frame was no password (or none came)
    PASSWORD_WRONG = 4014  # the password was wrong; an error frame says how many tries are left
    PASSWORD_LOCKED = 4015  # this address is locked out of private rooms; the error frame's retry_after
    DIRECT_FORBIDDEN = 4016  # a direct conversation: the first frame was no hello of one of its two
    TOO_MANY_DIRECT_ROOMS = 4017  # a new direct conversation past MAX_DIRECT_ROOMS_PER_IDENTITY
    REMOVED = 4020  # the host removed the member from the room; an error frame says so; it may rejoin
    BANNED = 4021  # the host banned the member's identity or address; rejoining is refused the same way
    TOO_MANY_CONNECTIONS = 4029  # the client's address holds MAX_ROOM_SOCKETS_PER_ADDRESS sockets already


# Client -> server ----------------------------------------------------------


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


# Server -> client ----------------------------------------------------------


class AttachmentFrame(TypedDict):
    """A file a message carries (server/attachments.py). Its bytes: GET `url` (see PROTOCOL.md Files)."""

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


class SeenFrame(TypedDict):
    """v2, to members whose hello left receipts on: someone has seen the room up to `id`."""

    type: Literal["seen"]
    room: str
    identity: str
    name: str
    id: int


class DirectFrame(TypedDict):
    """A message in a direct conversation one is not in now: sent to the other's connections."""

    type: Literal["direct"]
    room: str  # the direct room's name (server/direct_rooms.py)
    sender: str  # who wrote, by the name they used in it


class EnteredFrame(TypedDict):
    """The answer to a right password; the room's frames follow it."""

    type: Literal["entered"]
    room: str
    token: str  # for GET /api/rooms/{room}/messages, in the ROOM_TOKEN_HEADER header
    expires_in: float  # seconds the token is good for


class TokenFrame(TypedDict):
    """v2: a fresh token for a private or direct room the member is still in (see
    ROOM_TOKEN_REFRESH_FRACTION); the earlier ones stay good until their own expiry."""

    type: Literal["token"]
    room: str
    token: str
    expires_in: float


class WelcomeLimits(TypedDict):
    """The limits a client paces and checks itself by; a newer server may send more."""

    max_text_chars: int
    max_sender_chars: int
    rate_limit_burst: int
    rate_limit_per_second: float
    edit_window_seconds: float  # 0: edits are off on this host


class WelcomeFrame(TypedDict):
    """v2: history replay is complete; live messages follow."""

    type: Literal["welcome"]
    room: str
    members: list[str]
    identities: NotRequired[dict[str, str]]  # name -> identity id, for names identities hold (if any)
    last_id: int  # the room's last position: of its newest message or change (0 when empty)
    first_id: int  # id of the oldest message replayed (0 when none)
    limits: WelcomeLimits


class PresenceFrame(TypedDict):
    """v2: one change to the member list (the whole list comes only in the welcome)."""

    type: Literal["presence"]
    room: str
    event: Literal["join", "leave"]
    name: str
    identity: NotRequired[str]  # with a join, when an identity holds the name


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


# Building and encoding frames --------------------------------------------------


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
        "rate_limit_per_second": RATE_LIMIT_PER_SECOND,
        "edit_window_seconds": edit_window_seconds,
    }


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
