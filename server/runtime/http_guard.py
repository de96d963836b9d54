"""uvicorn's h11 HTTP protocol with two guards in front: a cap on connections per client address
and a deadline for the request line and headers (and body, but for an upload's PATCH, whose body
may stream for minutes: it only may not pause for long).

Without them one peer that opened a thousand connections and sent half a request on each held
every file descriptor (the usual limit is 1,024) until it let go, and the server answered nobody.
Only the HTTP side is wrapped: a connection upgraded to a WebSocket is uvicorn's WebSocket
protocol, untouched, and room sockets are capped again in the app (see client_limits.py).
The HTTP side is also read in larger pieces than uvloop's own (LargeReads), for uploads.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, cast

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from server.policy import REQUEST_HEAD_TIMEOUT_SECONDS, UPLOAD_BODY_IDLE_SECONDS
from server.web.client_limits import ClientConnections, connection_cap
from server.web.files_routes import is_streaming_upload

__all__ = [
    "READ_BYTES",
    "REFUSAL_LINGER_SECONDS",
    "GuardedH11Protocol",
    "LargeReads",
    "guarded_protocol",
    "request_timed_out",
    "too_many_connections",
]

# How long an upload's lost connection waits for the app to take the body it read (see
# connection_lost): checks this far apart, at most this many.
UPLOAD_DRAIN_CHECK_SECONDS = 0.005
UPLOAD_DRAIN_CHECKS = 200

# A refused connection is answered before its request is read. Closing it at once with the
# request unread would reset it, and a reset may destroy the answer in the client's buffer; so
# the server stops writing, discards what arrives and closes when the client does, or after this.
REFUSAL_LINGER_SECONDS = 2.0


def plain_response(status: int, reason: str, text: str) -> bytes:
    body = text.encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "content-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


def too_many_connections(address: str | None) -> bytes:
    return plain_response(
        503,
        "Service Unavailable",
        f"Too many connections from {address}: at most {connection_cap(address)} at once."
        " Close some and try again.\n",
    )


def request_timed_out(seconds: float) -> bytes:
    return plain_response(
        408, "Request Timeout", f"The request did not arrive within {seconds:g} s (line, headers and body).\n"
    )


class GuardedH11Protocol(H11Protocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        clients: ClientConnections,
        head_timeout: float = REQUEST_HEAD_TIMEOUT_SECONDS,
        idle_timeout: float = UPLOAD_BODY_IDLE_SECONDS,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._clients = clients
        self._head_timeout = head_timeout
        self._head_timer: asyncio.TimerHandle | None = None
        self._idle_timeout = idle_timeout
        self._idle_timer: asyncio.TimerHandle | None = None  # set while an upload's body streams
        self._last_body_byte = 0.0  # loop time: the idle timer measures from here
        self._drain_checks = 0
        self._refused = False
        self._counted = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        address = self.client[0] if self.client else None
        if not self._clients.admit(address, transport):
            self._refuse(address)
            return
        self._counted = True
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        cycle = self.cycle
        if (
            self._idle_timer is not None
            and cycle is not None
            and cycle.body
            and not cycle.response_complete
            and self._drain_checks < UPLOAD_DRAIN_CHECKS
        ):
            # An upload's connection went with body bytes read but not yet taken by the app:
            # uvicorn would answer the app's next receive with the disconnect and drop them, and
            # the client would send them again. Let the app take them first.
            self._drain_checks += 1
            cycle.message_event.set()
            self.loop.call_later(UPLOAD_DRAIN_CHECK_SECONDS, self.connection_lost, exc)
            return
        self._stop_head_timer()
        self._stop_idle_timer()
        if self._counted:
            self._clients.release(self.client[0] if self.client else None, self.transport)
        super().connection_lost(exc)

    def eof_received(self) -> None:
        if self._refused:
            self.transport.close()
        super().eof_received()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering: the answer is sent, the request is not wanted
        if self._idle_timer is not None:
            # A byte of an upload's body: the pause starts again. The timer is not re-armed per
            # chunk (thousands a GB); when it fires it looks at this and waits the rest.
            self._last_body_byte = self.loop.time()
        elif self._receiving_request() and self._head_timer is None:
            self._start_head_timer()  # the next request on a kept-alive connection
        super().data_received(data)
        if not self._receiving_request():
            self._stop_head_timer()  # the request is all in (or the connection was upgraded)
            self._stop_idle_timer()
        elif self._idle_timer is None and self._streams_body():
            # An upload's PATCH: its head arrived in time, its body may take minutes (a GB at
            # 10 MB/s), so only a pause of UPLOAD_BODY_IDLE_SECONDS ends it from here on.
            self._stop_head_timer()
            self._start_idle_timer()

    def _receiving_request(self) -> bool:
        """Still waiting for the rest of a request: its line and headers, or its body. Only an
        upload's PATCH takes a large body (see _streams_body); any other trickled after the answer
        would hold the connection just the same."""
        return self.conn.their_state in (h11.IDLE, h11.SEND_BODY)

    def _streams_body(self) -> bool:
        if self.conn.their_state is not h11.SEND_BODY or self.cycle is None:
            return False
        scope = self.cycle.scope
        return is_streaming_upload(scope["method"], scope["path"])

    def _start_idle_timer(self) -> None:
        self._stop_idle_timer()
        self._last_body_byte = self.loop.time()
        self._idle_timer = self.loop.call_later(self._idle_timeout, self._idle_timed_out)

    def _stop_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _idle_timed_out(self) -> None:
        self._idle_timer = None
        if self.transport.is_closing() or not self._receiving_request():
            return
        if self.flow.read_paused:
            self._start_idle_timer()  # we stopped reading (the disk is behind), not the client
            return
        idle = self.loop.time() - self._last_body_byte
        if idle < self._idle_timeout:  # bytes came since the timer was set: wait the rest
            self._idle_timer = self.loop.call_later(self._idle_timeout - idle, self._idle_timed_out)
            return
        # The app sees a disconnect and keeps the bytes that arrived; the client resumes after them.
        self.transport.close()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        # The WebSocket protocol takes the transport over; this object hears no more of it.
        self._stop_head_timer()
        super().handle_websocket_upgrade(event)

    def _start_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self._head_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or not self._receiving_request():
            return
        # A body trickling in after its request was answered: no second answer, just the close.
        answered = (
            self.conn.their_state is h11.SEND_BODY and self.cycle is not None and self.cycle.response_started
        )
        if not answered:
            self.transport.write(request_timed_out(self._head_timeout))
        self.transport.close()

    def _refuse(self, address: str | None) -> None:
        self._refused = True
        self.transport.write(too_many_connections(address))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(REFUSAL_LINGER_SECONDS, self.transport.close)


# What one read from a socket may take. uvloop reads at most 256 KiB at a time into a plain
# Protocol; into a BufferedProtocol, as much as the buffer holds. A GB upload in 1 MiB pieces
# takes a quarter of the trips through h11, uvicorn and the app per byte: the event loop's CPU per
# GiB went from 1.6 s to 1.0 s (tests/bench/file_transfer.py). 4 MiB was slower again.
READ_BYTES = 1024 * 1024

_read_buffers = threading.local()  # one per event loop thread: a read is copied out before the next


class LargeReads(asyncio.BufferedProtocol):
    """A GuardedH11Protocol fed through a buffer of READ_BYTES: everything else passes through.
    (uvicorn's protocol is a plain Protocol, and uvloop reads into only one that is not.)
    A connection upgraded to a WebSocket is handed to uvicorn's WebSocket protocol, a plain one,
    and read as before."""

    def __init__(self, http: GuardedH11Protocol) -> None:
        self._http = http

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._http.connection_made(cast("asyncio.Transport", transport))

    def get_buffer(self, sizehint: int) -> memoryview:
        buffer: memoryview | None = getattr(_read_buffers, "buffer", None)
        if buffer is None:
            buffer = _read_buffers.buffer = memoryview(bytearray(READ_BYTES))
        return buffer

    def buffer_updated(self, nbytes: int) -> None:
        self._http.data_received(bytes(_read_buffers.buffer[:nbytes]))

    def eof_received(self) -> None:
        self._http.eof_received()  # None: the transport closes once the answer is out

    def connection_lost(self, exc: Exception | None) -> None:
        self._http.connection_lost(exc)

    def pause_writing(self) -> None:
        self._http.pause_writing()

    def resume_writing(self) -> None:
        self._http.resume_writing()


def guarded_protocol(
    clients: ClientConnections, head_timeout: float, idle_timeout: float = UPLOAD_BODY_IDLE_SECONDS
) -> type[asyncio.Protocol]:
    """The `http` protocol for uvicorn.Config: every connection of every listener counted in `clients`."""

    # uvicorn calls the class with keyword arguments only, so a function stands in for it.
    def protocol(**uvicorn_arguments: Any) -> LargeReads:
        return LargeReads(
            GuardedH11Protocol(
                **uvicorn_arguments, clients=clients, head_timeout=head_timeout, idle_timeout=idle_timeout
            )
        )

    return cast("type[asyncio.Protocol]", protocol)
