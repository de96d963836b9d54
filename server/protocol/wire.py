"""A frame's bytes on the wire: the WebSocket text frame a server sends (RFC 6455 section 5.2).

The hub makes these once per frame shape and hands the same bytes to every member's outbox, so
the per-member cost of a delivery is a list append and a share of one write. A server's frames
are never masked; each is whole (FIN set) and uncompressed (RSV1 clear), which is valid on any
connection, with or without permessage-deflate.
"""

from __future__ import annotations

import struct

__all__ = ["text_frame", "text_of"]

_FIN_TEXT = 0x81  # FIN, opcode 1 (text)
_U16 = struct.Struct("!BBH")
_U64 = struct.Struct("!BBQ")


def text_frame(text: str) -> bytes:
    """The whole server-to-client frame carrying `text`."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        return bytes((_FIN_TEXT, length)) + payload
    if length < 65536:
        return _U16.pack(_FIN_TEXT, 126, length) + payload
    return _U64.pack(_FIN_TEXT, 127, length) + payload


def text_of(frame: bytes) -> str:
    """The text a frame made by `text_frame` carries (for connections written to frame by frame)."""
    marker = frame[1]
    start = 2 if marker < 126 else 4 if marker == 126 else 10
    return frame[start:].decode()
