"""Requests with exact bytes, for headers no HTTP client library would send as given."""

from __future__ import annotations

import socket

__all__ = ["raw_request", "status_of"]


def raw_request(port: int, head: bytes, timeout: float = 10.0) -> bytes:
    """Send `head` (request line and headers, ending in a blank line) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
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


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])
