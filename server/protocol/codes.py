"""Error codes (in error frames and HTTP refusals) and WebSocket close codes, named once."""

from __future__ import annotations

from enum import IntEnum, StrEnum


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
    BANNED = "banned"  # the host banned this identity or address (server/rooms/moderation.py)
    DIRECT_FORBIDDEN = "direct_forbidden"  # a direct conversation, and no hello of one of its two identities
    IDENTITY_REQUIRED = "identity_required"  # the frame needs the connection's hello identity
    SEEN_INVALID = "seen_invalid"  # a seen frame's id is no whole number, or past the room's last position
    TOO_MANY_DIRECT_ROOMS = (
        "too_many_direct_rooms"  # this identity is in MAX_DIRECT_ROOMS_PER_IDENTITY already
    )
    SEARCH_INVALID = "search_invalid"  # GET /api/search: no word, too long, too many words or rooms
    # Files (server/files/, server/web/files_routes.py): HTTP answers carry them, the socket some.
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
    # A host that lets browsers in without encryption (--allow-plain-http) keeps passwords, identity
    # secrets, room tokens, private rooms and direct conversations off plain HTTP from the network.
    ENCRYPTION_REQUIRED = "encryption_required"  # use the host's https:// (wss://) address instead


class CloseCode(IntEnum):
    """WebSocket close codes the server uses (4000-4999 are ours by RFC 6455)."""

    NORMAL = 1000
    GOING_AWAY = 1001  # server shutting down
    SERVICE_RESTART = 1012  # uvicorn closes sockets with this on shutdown: reconnect with `after`
    TRY_AGAIN_LATER = 1013  # a cluster node could not reach its database to let the member in: retry
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
    ENCRYPTION_REQUIRED = 4018  # a private or direct room over plain ws:// from the network: use wss://
    REMOVED = 4020  # the host removed the member from the room; an error frame says so; it may rejoin
    BANNED = 4021  # the host banned the member's identity or address; rejoining is refused the same way
    TOO_MANY_CONNECTIONS = 4029  # the client's address holds MAX_ROOM_SOCKETS_PER_ADDRESS sockets already
