"""What a client declares about its file (name, media type, SHA-256), checked before any byte.

Names and types are only ever metadata: nothing a client sends becomes part of a path.
"""

from __future__ import annotations

import base64
import binascii
import unicodedata

from server.files.refusals import UploadRefused
from server.protocol.codes import ErrorCode
from server.visible_text import hidden_character

__all__ = [
    "MAX_FILE_NAME_CHARS",
    "MAX_FILE_TYPE_CHARS",
    "decode_sha256",
    "validate_file_name",
    "validate_file_type",
]

# A file's name as shown: at most this many characters (most file systems' limit is 255 bytes).
MAX_FILE_NAME_CHARS = 255
MAX_FILE_TYPE_CHARS = 127


def validate_file_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise UploadRefused(400, ErrorCode.FILE_NAME_INVALID, "The file has no name.")
    if len(name) > MAX_FILE_NAME_CHARS:
        raise UploadRefused(
            400,
            ErrorCode.FILE_NAME_INVALID,
            f"The file name has {len(name)} characters; at most {MAX_FILE_NAME_CHARS} are allowed.",
        )
    hidden = hidden_character(name)
    if hidden is not None:
        # Controls, and format characters such as a right-to-left override, which make
        # "invoice\u202efdp.exe" show as "invoiceexe.pdf".
        raise UploadRefused(
            400,
            ErrorCode.FILE_NAME_INVALID,
            f"The file name contains {hidden}, which draws nothing or reorders what follows;"
            " rename the file.",
        )
    return name


def validate_file_type(value: str) -> str:
    """The declared media type, kept as metadata; anything not shaped `type/subtype` is octets."""
    value = value.strip().lower()
    kind, slash, sub = value.partition("/")
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789!#$&^_.+-")
    if not slash or not kind or not sub or len(value) > MAX_FILE_TYPE_CHARS or set(kind + sub) - allowed:
        return "application/octet-stream"
    return value


def decode_sha256(value: str | None) -> str:
    """The client's SHA-256 of the whole file, base64 (standard or url-safe), as hex."""
    if not value:
        raise UploadRefused(
            400, ErrorCode.CHECKSUM_MISSING, "The upload's metadata has no sha256 of the whole file."
        )
    try:
        digest = base64.b64decode(value.replace("-", "+").replace("_", "/") + "==", validate=False)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 32:
        raise UploadRefused(
            400, ErrorCode.CHECKSUM_MISSING, "The sha256 must be the base64 of 32 bytes (a SHA-256 digest)."
        )
    return digest.hex()
