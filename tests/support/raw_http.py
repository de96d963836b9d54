"""Requests with exact bytes, for headers no HTTP client library would send as given."""

from __future__ import annotations

import base64
import os
import socket

__all__ = [
    "open_connection",
    "open_room_socket",
    "raw_request",
    "read_all",
    "read_head",
    "read_response",
    "status_of",
]

# Another address on this machine: the server sees it as a client other than 127.0.0.1.
OTHER_CLIENT = "127.0.0.2"


def open_connection(port: int, source: str = "127.0.0.1", timeout: float = 10.0) -> socket.socket:
    """A TCP connection to the server on 127.0.0.1 from `source` (any loopback address)."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))


def raw_request(port: int, head: bytes, timeout: float = 10.0, source: str = "127.0.0.1") -> bytes:
    """Send `head` (request line and headers, ending in a blank line) and read the whole answer."""
    with open_connection(port, source, timeout) as sock:
        sock.sendall(head)
        return read_all(sock)


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def read_head(sock: socket.socket) -> bytes:
    """Read up to the end of a response's headers (the answer to a handshake, say)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def read_response(sock: socket.socket) -> bytes:
    """One whole response on a kept-alive connection: its head and `content-length` bytes of body."""
    data = read_head(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.lower().split(b"\r\n")
            if line.startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def open_room_socket(
    port: int, room: str = "general", source: str = "127.0.0.1"
) -> tuple[socket.socket, bytes]:
    """A WebSocket handshake by hand (cheap enough to hold hundreds); the socket and the answer's head."""
    sock = open_connection(port, source)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /ws/{room} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    return sock, read_head(sock)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])
