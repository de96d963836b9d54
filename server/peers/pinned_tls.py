"""Talking to another lanchat host from Python: TLS 1.3, and its key checked before a byte is sent.

The prober, the connection doctor and discovery's probes all go through here. Each connects with
`client_context()` (which checks nothing about the certificate by itself), reads the key the host
proved it holds right after the handshake and, when a fingerprint was known beforehand (a TXT
record, a peer's /api/hosts entry, the page's pin), compares them: a different key is a changed
identity and the connection is closed unused. With no fingerprint known, the one seen is reported,
for the caller to remember.
"""

from __future__ import annotations

import asyncio
import http.client
import ssl
from typing import Any, cast

from server.tls.contexts import client_context, peer_fingerprint
from server.tls.safety_code import safety_code

__all__ = ["IdentityChanged", "PinnedHTTPSConnection", "checked_identity", "pinned_socket_connection"]


class IdentityChanged(Exception):
    """The host proved another key than the one expected: nothing more may be sent to it."""

    def __init__(self, expected: bytes, presented: bytes) -> None:
        super().__init__(
            f"the host's identity changed: expected safety code {safety_code(expected)},"
            f" it presented {safety_code(presented)}"
        )
        self.expected = expected
        self.presented = presented


def checked_identity(connection: ssl.SSLObject | ssl.SSLSocket, expected: bytes | None) -> bytes:
    """The fingerprint the peer of a finished handshake presented; IdentityChanged when it is not
    `expected` (None: nothing was known, whatever it presented is returned)."""
    presented = peer_fingerprint(connection)
    if expected is not None and presented != expected:
        raise IdentityChanged(expected, presented)
    return presented


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """http.client over TLS whose `connect` checks the host's key before the request is written.
    No proxy (a LAN host is never behind the internet's proxy) and no redirects (http.client
    follows none)."""

    def __init__(self, host: str, port: int, expected: bytes | None, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=client_context())
        self.expected = expected
        self.fingerprint: bytes | None = None  # what the host presented, once connected

    def connect(self) -> None:
        super().connect()  # TCP, then the whole handshake (do_handshake_on_connect)
        assert isinstance(self.sock, ssl.SSLSocket)
        try:
            self.fingerprint = checked_identity(self.sock, self.expected)
        except (IdentityChanged, ssl.SSLError):
            self.sock.close()
            raise


def pinned_socket_connection(expected: bytes | None, seen: list[bytes]) -> type[Any]:
    """A websockets ClientConnection class (for `connect(create_connection=...)`) that checks the
    host's key as the TLS connection is made, before the upgrade request is written: a changed
    identity aborts the transport, and the key seen is appended to `seen` for the caller to name."""
    from websockets.asyncio.client import ClientConnection

    class PinnedClientConnection(ClientConnection):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            transport = cast("asyncio.Transport", transport)  # uvloop's is no subclass of it
            ssl_object = transport.get_extra_info("ssl_object")
            try:
                seen.append(checked_identity(ssl_object, expected))
            except IdentityChanged as exc:
                seen.append(exc.presented)
                transport.abort()
            except ssl.SSLError:
                transport.abort()

    return PinnedClientConnection
