"""A refusal: an error code from the protocol and a sentence for people, and how the edge answers it.

Rules raise `Refused`; the edge turns it into an error frame (`error_frame`), and then into an HTTP status
(`http_status`) or, when the refusal ends a room socket at its door, a close code (`close_code`).
Both come from one table, REFUSAL_ANSWERS, which names every ErrorCode once.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.frames import ErrorFrame

__all__ = ["REFUSAL_ANSWERS", "RefusalAnswer", "Refused", "close_code", "error_frame", "http_status"]


class Refused(ValueError):
    """Input the rules do not accept. `code` is an ErrorCode, `detail` a sentence for people."""

    def __init__(self, code: ErrorCode, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra


def error_frame(refusal: Refused) -> ErrorFrame:
    """The error frame a socket sends for `refusal`: its code, its sentence and its extras."""
    frame: ErrorFrame = {"type": "error", "code": refusal.code, "detail": refusal.detail}
    frame.update(refusal.extra)  # type: ignore[typeddict-item]
    return frame


class RefusalAnswer(NamedTuple):
    """How a refusal is answered: its HTTP status, and the close code of a socket it ends
    (None: it ends none by itself; at the door it is a malformed query or first frame)."""

    http_status: int
    close_code: CloseCode | None = None


# The HTTP statuses: 400 for malformed input; 403 for what the caller may not do (a foreign page, no
# token, banned); 404/410 for what is not there; 409 when the state disagrees; 413/429/503/507 for
# limits (one caller's, the server's, the disk's). 460 is the tus checksum extension's. A code only
# a socket sends still has a status, so that an HTTP route raising it some day answers in kind.
REFUSAL_ANSWERS: dict[ErrorCode, RefusalAnswer] = {
    # Frames and their fields.
    ErrorCode.INVALID_JSON: RefusalAnswer(400),
    ErrorCode.INVALID_FRAME: RefusalAnswer(400),
    ErrorCode.BINARY_NOT_SUPPORTED: RefusalAnswer(400),
    ErrorCode.FRAME_TOO_LARGE: RefusalAnswer(413),
    ErrorCode.UNKNOWN_TYPE: RefusalAnswer(400),
    ErrorCode.TEXT_MISSING: RefusalAnswer(400),
    ErrorCode.TEXT_EMPTY: RefusalAnswer(400),
    ErrorCode.TEXT_TOO_LONG: RefusalAnswer(400),
    ErrorCode.SENDER_MISSING: RefusalAnswer(400),
    ErrorCode.SENDER_EMPTY: RefusalAnswer(400),
    ErrorCode.SENDER_TOO_LONG: RefusalAnswer(400),
    ErrorCode.SENDER_INVALID: RefusalAnswer(400),
    ErrorCode.CLIENT_ID_INVALID: RefusalAnswer(400),
    ErrorCode.ID_INVALID: RefusalAnswer(400),
    ErrorCode.SEEN_INVALID: RefusalAnswer(400),
    ErrorCode.REACTION_INVALID: RefusalAnswer(400),
    ErrorCode.SECRET_INVALID: RefusalAnswer(400),
    ErrorCode.HELLO_UNEXPECTED: RefusalAnswer(400),
    ErrorCode.ROOM_MISMATCH: RefusalAnswer(400),
    ErrorCode.SEARCH_INVALID: RefusalAnswer(400),
    # The door of a room socket: the URL, the page, the address, the room.
    ErrorCode.ROOM_INVALID: RefusalAnswer(400, CloseCode.ROOM_INVALID),
    ErrorCode.QUERY_INVALID: RefusalAnswer(400, CloseCode.QUERY_INVALID),
    ErrorCode.ORIGIN_NOT_ALLOWED: RefusalAnswer(403, CloseCode.ORIGIN_NOT_ALLOWED),
    ErrorCode.TOO_MANY_CONNECTIONS: RefusalAnswer(429, CloseCode.TOO_MANY_CONNECTIONS),
    ErrorCode.TOO_MANY_ROOMS: RefusalAnswer(503, CloseCode.TOO_MANY_ROOMS),
    ErrorCode.ROOM_FULL: RefusalAnswer(503, CloseCode.ROOM_FULL),
    ErrorCode.TOO_MANY_NEW_ROOMS: RefusalAnswer(429, CloseCode.TOO_MANY_NEW_ROOMS),
    ErrorCode.TOO_MANY_DIRECT_ROOMS: RefusalAnswer(429, CloseCode.TOO_MANY_DIRECT_ROOMS),
    # Who may be in a room: passwords, direct conversations, the host's moderation.
    ErrorCode.PASSWORD_REQUIRED: RefusalAnswer(403, CloseCode.PASSWORD_REQUIRED),
    ErrorCode.PASSWORD_WRONG: RefusalAnswer(403, CloseCode.PASSWORD_WRONG),
    ErrorCode.PASSWORD_LOCKED: RefusalAnswer(429, CloseCode.PASSWORD_LOCKED),
    ErrorCode.DIRECT_FORBIDDEN: RefusalAnswer(403, CloseCode.DIRECT_FORBIDDEN),
    ErrorCode.REMOVED: RefusalAnswer(403, CloseCode.REMOVED),
    ErrorCode.BANNED: RefusalAnswer(403, CloseCode.BANNED),
    ErrorCode.IDENTITY_REQUIRED: RefusalAnswer(403),
    ErrorCode.ENCRYPTION_REQUIRED: RefusalAnswer(403, CloseCode.ENCRYPTION_REQUIRED),
    # What a member does in a room.
    ErrorCode.RATE_LIMITED: RefusalAnswer(429),
    ErrorCode.NAME_CHANGE_TOO_SOON: RefusalAnswer(429),
    ErrorCode.NAME_TAKEN: RefusalAnswer(409),
    ErrorCode.STORAGE_FAILED: RefusalAnswer(500, CloseCode.TRY_AGAIN_LATER),
    ErrorCode.STORAGE_FULL: RefusalAnswer(507),
    ErrorCode.MESSAGE_NOT_FOUND: RefusalAnswer(404),
    ErrorCode.MESSAGE_DELETED: RefusalAnswer(410),
    ErrorCode.NOT_YOUR_MESSAGE: RefusalAnswer(403),
    ErrorCode.EDIT_WINDOW_PASSED: RefusalAnswer(403),
    ErrorCode.TOO_MANY_REACTIONS: RefusalAnswer(409),
    ErrorCode.ATTACHMENT_INVALID: RefusalAnswer(400),
    ErrorCode.TOO_MANY_ATTACHMENTS: RefusalAnswer(400),
    # Files. UPLOAD_INVALID is also 412 (no tus version) or 415 (wrong body type): the upload
    # handlers say so with their own status (UploadRefused), this is the usual one.
    ErrorCode.FILE_TOO_LARGE: RefusalAnswer(413),
    ErrorCode.FILE_NAME_INVALID: RefusalAnswer(400),
    ErrorCode.CHECKSUM_MISSING: RefusalAnswer(400),
    ErrorCode.CHECKSUM_MISMATCH: RefusalAnswer(460),
    ErrorCode.UPLOAD_INVALID: RefusalAnswer(400),
    ErrorCode.UPLOAD_NOT_FOUND: RefusalAnswer(404),
    ErrorCode.UPLOAD_TOO_LONG: RefusalAnswer(400),
    ErrorCode.OFFSET_MISMATCH: RefusalAnswer(409),
    ErrorCode.UPLOAD_BUSY: RefusalAnswer(423),
    ErrorCode.TOO_MANY_UPLOADS: RefusalAnswer(429),
    ErrorCode.ROOM_FILES_FULL: RefusalAnswer(507),
    ErrorCode.HOST_FILES_FULL: RefusalAnswer(507),
    ErrorCode.FILE_NOT_FOUND: RefusalAnswer(404),
}


def http_status(code: ErrorCode) -> int:
    """The HTTP status an answer refusing with `code` carries."""
    return REFUSAL_ANSWERS[code].http_status


def close_code(code: ErrorCode) -> CloseCode:
    """The close code of a room socket refused at its door with `code`. A refusal with no close
    code of its own concerns what the client sent (the query, or the first frame a door reads)."""
    return REFUSAL_ANSWERS[code].close_code or CloseCode.QUERY_INVALID
