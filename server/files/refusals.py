"""UploadRefused: a refusal of the files' side, with the HTTP status its endpoints answer."""

from __future__ import annotations

from typing import Any

from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused

__all__ = ["UploadRefused"]


class UploadRefused(Refused):
    """A Refused with the HTTP status the upload endpoints answer it with."""

    def __init__(self, status: int, code: ErrorCode, detail: str, **extras: Any) -> None:
        super().__init__(code, detail, **extras)
        self.status = status
