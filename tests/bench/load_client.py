"""A lean WebSocket client for load generation: just enough RFC 6455 to join a room, send text frames,
and count (or read) what arrives.

The websockets client costs tens of microseconds per received frame, as much as
the server under test spends sending it, so on a two-core machine it would be
the bottleneck. This one parses frame headers straight out of the receive buffer
and touches a payload only when asked to (`on_text`): counting a delivery costs
about a microsecond.

Frames it sends are masked with the all-zero key, which RFC 6455 allows and which
makes masking free. It offers permessage-deflate the way browsers do (unless told
not to), so each server gets the connection it would get from the lanchat UI;
it never compresses what it sends, which the extension allows.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
import time
import zlib
from collections.abc import Callable

__all__ = ["BROWSER_DEFLATE_OFFER", "Connection", "connect", "text_frame"]

# What Chrome and Firefox put in Sec-WebSocket-Extensions.
BROWSER_DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"

_OP_TEXT = 0x1
_OP_CLOSE = 0x8
_OP_PING = 0x9
_ZERO_MASK = b"\x00\x00\x00\x00"
_DEFLATE_TAIL = b"\x00\x00\xff\xff"


def text_frame(payload: bytes, opcode: int = _OP_TEXT) -> bytes:
    """A complete masked client frame (FIN set) carrying `payload`."""
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    # XOR with a zero key leaves the payload as it is.
    return head + _ZERO_MASK + payload


class HandshakeFailed(ConnectionError):
    pass


class Connection(asyncio.Protocol):
    """One client connection.

    `texts` counts text frames received. Set `target` and `on_target` to be told
    (once) when it reaches the target; `reached_at` is then the perf_counter time
    of the read that completed it. Set `on_text(connection, payload, received_at)`
    to see payloads (decompressed); without it payloads are skipped unread.
    """

    def __init__(self, request: bytes) -> None:
        loop = asyncio.get_running_loop()
        self._request = request
        self.transport: asyncio.Transport | None = None
        self.upgraded = loop.create_future()
        self.closed = loop.create_future()  # result: the server's close code (1006 when none)
        self._buf = bytearray()
        self._open = False
        self._inflate: zlib._Decompress | None = None
        self._inflate_per_message = False
        self.texts = 0
        self.target = -1
        self.reached_at = 0.0
        self.on_target: Callable[[Connection], None] | None = None
        self.on_text: Callable[[Connection, bytes, float], None] | None = None

    # asyncio.Protocol -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(HandshakeFailed(f"connection lost during the handshake: {exc!r}"))
        if not self.closed.done():
            self.closed.set_result(1006)

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        if not self._open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            self._accept_response(bytes(buf[: end + 4]))
            del buf[: end + 4]
            if not self._open:
                return
        received_at = time.perf_counter()
        n = len(buf)
        pos = 0
        on_text = self.on_text
        while n - pos >= 2:
            b0 = buf[pos]
            length = buf[pos + 1] & 0x7F
            if length < 126:
                start = pos + 2
            elif length == 126:
                if n - pos < 4:
                    break
                (length,) = struct.unpack_from("!H", buf, pos + 2)
                start = pos + 4
            else:
                if n - pos < 10:
                    break
                (length,) = struct.unpack_from("!Q", buf, pos + 2)
                start = pos + 10
            end = start + length
            if end > n:
                break
            opcode = b0 & 0x0F
            if opcode == _OP_TEXT:
                self.texts += 1
                if on_text is not None:
                    on_text(self, self._payload(buf, start, end, b0 & 0x40), received_at)
                elif b0 & 0x40 and not self._inflate_per_message:
                    # Compressed with context takeover: the inflater must see every message, read or not.
                    self._inflate.decompress(bytes(buf[start:end]) + _DEFLATE_TAIL)
                if self.texts == self.target:
                    self.reached_at = received_at
                    if self.on_target is not None:
                        self.on_target(self)
            elif opcode == _OP_PING:
                self.transport.write(text_frame(bytes(buf[start:end]), 0xA))
            elif opcode == _OP_CLOSE:
                code = struct.unpack_from("!H", buf, start)[0] if length >= 2 else 1005
                if not self.closed.done():
                    self.closed.set_result(code)
                    self.transport.write(text_frame(struct.pack("!H", 1000), _OP_CLOSE))
                self.transport.close()
                return
            pos = end
        if pos:
            del buf[:pos]

    # Actions ------------------------------------------------------------------

    def send_frame(self, frame: bytes) -> None:
        """Write a frame made by text_frame()."""
        self.transport.write(frame)

    def stop_reading(self) -> None:
        """Leave what arrives in the kernel: once the buffers fill, the server cannot write to us."""
        self.transport.pause_reading()

    def resume_reading(self) -> None:
        self.transport.resume_reading()

    def close(self) -> None:
        """Start a clean close; `closed` completes when the server answers (or the socket goes)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(text_frame(struct.pack("!H", 1000), _OP_CLOSE))

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # Internals ----------------------------------------------------------------

    def _accept_response(self, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            self.upgraded.set_exception(
                HandshakeFailed(f"expected 101 Switching Protocols, got {lines[0]!r}")
            )
            self.transport.close()
            return
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "sec-websocket-extensions" and "permessage-deflate" in value:
                self._inflate = zlib.decompressobj(-15)
                self._inflate_per_message = "server_no_context_takeover" in value
        self._open = True
        self.upgraded.set_result(self._inflate is not None)

    def _payload(self, buf: bytearray, start: int, end: int, compressed: int) -> bytes:
        payload = bytes(buf[start:end])
        if not compressed:
            return payload
        if self._inflate_per_message:
            return zlib.decompressobj(-15).decompress(payload + _DEFLATE_TAIL)
        # Context takeover: one inflater for the connection's whole life.
        return self._inflate.decompress(payload + _DEFLATE_TAIL)


def _request(host: str, port: int, path: str, offer_deflate: bool) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if offer_deflate:
        lines.append(f"Sec-WebSocket-Extensions: {BROWSER_DEFLATE_OFFER}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def connect(
    port: int,
    path: str,
    *,
    host: str = "127.0.0.1",
    offer_deflate: bool = True,
    rcvbuf: int | None = None,
    maxseg: int | None = None,
    source: str | None = None,
) -> Connection:
    """Open a WebSocket to `path` on 127.0.0.1:`port`; returns once the server has answered 101.

    `rcvbuf` shrinks the kernel's receive buffer (set before connecting, so the
    window is small from the start): a reader that stops then backs up the
    server after kilobytes instead of megabytes. `source` is the local address to connect from
    (another loopback address: the server caps room sockets per client address).
    """
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if maxseg is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, maxseg)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if source is not None:
            sock.bind((source, 0))
        sock.setblocking(False)
        await loop.sock_connect(sock, (host, port))
    except BaseException:
        sock.close()
        raise
    _, connection = await loop.create_connection(
        lambda: Connection(_request(host, port, path, offer_deflate)), sock=sock
    )
    await connection.upgraded
    return connection
