"""A refusal: an error code from the protocol and a sentence for people.

Rules raise it; the edge turns it into an error frame, a close code or an HTTP answer.
"""

from __future__ import annotations

from typing import Any

from server.protocol.codes import ErrorCode
from server.protocol.frames import ErrorFrame


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
