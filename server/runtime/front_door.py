"""Every listener's front door: TLS for the network, plain HTTP for this machine, on one port.

The first byte a client sends tells what it speaks: 0x16 opens a TLS handshake, a letter opens a
plain HTTP request. So one port serves both, and someone who types `10.0.0.5:8765` into a browser
(which means `http://`) is sent on to `https://10.0.0.5:8765/` instead of getting a reset or
bytes of a handshake.

- TLS: the connection is handed to asyncio's TLS protocol with uvicorn's HTTP protocol inside it,
  exactly what `create_server(ssl=...)` would build, only started after the first byte.
- Plain from this machine (loopback): served as before. The window's page and local seed clients
  never leave the machine, and nobody on the network can read loopback.
- Plain from the network: served only when the host allows it (`--allow-plain-http`); otherwise a
  page request is redirected to https on the same port and a WebSocket or API call is told to use
  https/wss. Nothing of the app is reached.

The door counts each connection against its address's cap (client_limits.py) the moment it is
made, as the HTTP protocol did before there was a door: a peer cannot hold connections past its
cap by saying nothing, or by starting a handshake it never finishes. One past the cap is answered
with the plain 503 at once; one that says nothing within the head timeout gets the plain 408.
"""

from __future__ import annotations

import asyncio
import re
from asyncio.sslproto import SSLProtocol
from collections.abc import Callable
from typing import Any, cast

from server.addresses import is_loopback_host
from server.runtime.http_guard import (
    REFUSAL_LINGER_SECONDS,
    plain_response,
    request_timed_out,
    too_many_connections,
)
from server.tls.contexts import ServingIdentity
from server.web.client_limits import ClientConnections

__all__ = ["MAX_PLAIN_HEAD_BYTES", "TLS_HANDSHAKE_RECORD", "TLS_READ_BUFFER_BYTES", "FrontDoor", "front_door"]

TLS_HANDSHAKE_RECORD = 0x16  # the first byte of every TLS ClientHello
# What asyncio's TLS protocol reads into at once. Its default, 256 KiB, is allocated and zeroed for
# every connection (so resident): 296 KiB per idle TLS room connection against 20 KiB plain, measured
# by tests/bench/tls_overhead.py. Two full TLS records (16 KiB each) keep uploads as fast (the same
# bench) at a tenth of the memory.
TLS_READ_BUFFER_BYTES = 32 * 1024
# The head of a plain request the door reads to answer it (request line and headers; a browser's
# are under 2 KiB). Past this the connection is closed: nothing of it would be served anyway.
MAX_PLAIN_HEAD_BYTES = 16 * 1024

_HOST_HEADER = re.compile(rb"^(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$")
_TARGET = re.compile(rb"^/[\x21-\x7e]*$")  # an origin-form target: visible ASCII, no spaces

InnerFactory = Callable[[], asyncio.BaseProtocol]


class _TLSConnection(SSLProtocol):
    """asyncio's TLS protocol with a read buffer sized for idle connections by the thousand."""

    max_size = TLS_READ_BUFFER_BYTES


class FrontDoor(asyncio.Protocol):
    """Waits for the first bytes of a connection, then hands it to TLS, to plain HTTP, or answers."""

    def __init__(
        self,
        inner: InnerFactory,
        tls: Callable[[], ServingIdentity | None],
        plain_from_network: bool,
        head_timeout: float,
        clients: ClientConnections,
    ) -> None:
        self._inner = inner
        self._tls = tls
        self._plain_from_network = plain_from_network
        self._head_timeout = head_timeout
        self._clients = clients
        self._address: str | None = None
        self._counted = False  # in `clients`, until handed over (the protocol inside takes it on)
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._head = bytearray()  # a plain request from the network, read to answer it
        self._done = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.Transport", transport)
        self._address = _peer_address(transport)
        if not self._clients.admit(self._address, transport):
            self._refuse()
            return
        self._counted = True
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._head_timeout, self._timed_out)

    def data_received(self, data: bytes) -> None:
        if self._done:
            return
        if self._head:  # the rest of a refused request's head
            self._read_refused_head(data)
            return
        transport = self._transport
        assert transport is not None
        tls = self._tls()
        if data[0] == TLS_HANDSHAKE_RECORD and tls is not None:
            self._hand_over()
            _start_tls(transport, self._inner(), tls, self._head_timeout, data)
        elif tls is None or self._plain_from_network or is_loopback_host(self._address):
            self._hand_over()
            _start_plain(transport, self._inner(), data)
        else:
            self._read_refused_head(data)

    def eof_received(self) -> bool | None:
        self._close()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        self._done = True
        self._release()

    def _hand_over(self) -> None:
        # Still counted: the protocol inside counts the same connection (by its socket) and
        # releases it when it ends; a TLS handshake that never ends is swept once it is closed.
        self._cancel_timer()
        self._done = True
        self._counted = False

    def _refuse(self) -> None:
        """One connection past the address's cap: the plain 503 at once, before anything is read
        (a TLS client sees a failed handshake), then it lingers so the answer is not reset away."""
        self._done = True
        assert self._transport is not None
        transport = self._transport
        transport.write(too_many_connections(self._address))
        if transport.can_write_eof():
            transport.write_eof()
        asyncio.get_running_loop().call_later(REFUSAL_LINGER_SECONDS, transport.close)

    def _release(self) -> None:
        if self._counted and self._transport is not None:
            self._counted = False
            self._clients.release(self._address, self._transport)

    def _read_refused_head(self, data: bytes) -> None:
        self._head += data
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            if len(self._head) > MAX_PLAIN_HEAD_BYTES:
                self._close()
            return
        assert self._transport is not None
        self._transport.write(_answer_plain_request(bytes(self._head[:end]), self._transport))
        self._close()

    def _timed_out(self) -> None:
        """Nothing (or no whole head) within the head timeout: the plain 408, as the HTTP
        protocol behind the door says it."""
        self._timer = None
        if self._transport is not None and not self._done:
            self._transport.write(request_timed_out(self._head_timeout))
        self._close()

    def _close(self) -> None:
        self._cancel_timer()
        self._done = True
        if self._transport is not None:
            self._transport.close()
        self._release()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def front_door(
    inner: Callable[..., asyncio.BaseProtocol],
    tls: Callable[[], ServingIdentity | None],
    *,
    plain_from_network: bool,
    head_timeout: float,
    clients: ClientConnections,
) -> type[asyncio.Protocol]:
    """The `http` protocol for uvicorn.Config: `inner` (uvicorn's, with our guards) behind the door.
    `tls` is asked at each connection, so a renewed certificate serves the next one; `clients`
    counts every connection of every listener of the app."""

    def protocol(**uvicorn_arguments: Any) -> FrontDoor:
        return FrontDoor(lambda: inner(**uvicorn_arguments), tls, plain_from_network, head_timeout, clients)

    return cast("type[asyncio.Protocol]", protocol)


def _start_tls(
    transport: asyncio.Transport,
    inner: asyncio.BaseProtocol,
    tls: ServingIdentity,
    handshake_timeout: float,
    first_bytes: bytes,
) -> None:
    loop = asyncio.get_running_loop()
    handshake = loop.create_future()
    # A failed handshake (a scanner, a client that refused our certificate) only closes its own
    # connection; its exception is taken here so that asyncio does not log it as forgotten.
    handshake.add_done_callback(lambda done: done.cancelled() or done.exception())
    secure = _TLSConnection(
        loop,
        inner,
        tls.context,
        handshake,
        server_side=True,
        ssl_handshake_timeout=handshake_timeout,  # type: ignore[arg-type]  # typeshed says int; float works
    )
    transport.set_protocol(secure)
    secure.connection_made(transport)
    _feed(secure, first_bytes)


def _start_plain(transport: asyncio.Transport, inner: asyncio.BaseProtocol, first_bytes: bytes) -> None:
    transport.set_protocol(inner)
    inner.connection_made(transport)
    if isinstance(inner, asyncio.BufferedProtocol):
        _feed(inner, first_bytes)
    else:
        cast("asyncio.Protocol", inner).data_received(first_bytes)


def _feed(protocol: asyncio.BufferedProtocol, data: bytes) -> None:
    """Give `protocol` bytes already read, as the transport would have."""
    view = memoryview(data)
    while view:
        buffer = memoryview(protocol.get_buffer(len(view)))
        size = min(len(buffer), len(view))
        buffer[:size] = view[:size]
        protocol.buffer_updated(size)
        view = view[size:]


def _peer_address(transport: asyncio.BaseTransport) -> str | None:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if peer else None


def _answer_plain_request(head: bytes, transport: asyncio.BaseTransport) -> bytes:
    """A browser's page request goes on to https on the same port; anything else (a WebSocket,
    an API call from a script) is told in words what to use, since it would not follow."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    host = headers.get(b"host") or _local_address(transport)
    if len(parts) != 3 or not _HOST_HEADER.match(host):
        return plain_response(400, "Bad Request", "This lanchat host speaks https only.\n")
    method, target = parts[0], parts[1]
    if not _TARGET.match(target):
        target = b"/"
    https = "https://" + (host + target).decode("ascii")
    if headers.get(b"upgrade", b"").lower() == b"websocket":
        return _encrypted_only("wss://" + https.removeprefix("https://"))
    if method not in (b"GET", b"HEAD"):
        return _encrypted_only(https)
    body = f"This lanchat host is at {https}\n".encode()
    return (
        b"HTTP/1.1 307 Temporary Redirect\r\n"
        + b"location: "
        + https.encode("ascii")
        + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
        + f"content-length: {len(body)}\r\n".encode()
        + b"connection: close\r\n\r\n"
        + body
    )


def _encrypted_only(url: str) -> bytes:
    return plain_response(
        403, "Forbidden", f"This lanchat host only takes encrypted connections from the network: {url}\n"
    )


def _local_address(transport: asyncio.BaseTransport) -> bytes:
    """The address the client reached, for a request without a Host header (HTTP/1.0)."""
    sockname = transport.get_extra_info("sockname")
    if not sockname:
        return b""
    address = str(sockname[0])
    shown = f"[{address}]" if ":" in address else address
    return f"{shown}:{sockname[1]}".encode("ascii")
