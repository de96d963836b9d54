"""The window's pinned way to other hosts: a loopback listener per host, relayed over TLS.

The window's page never talks TLS itself: a web view pins nothing (a certificate from any CA the
machine trusts would pass), and each platform's web view has its own hooks. For each other host the
page joins, this gateway listens on 127.0.0.1 (a port of its own, so cookies and origins stay per
host) and relays each connection's bytes to the host over TLS 1.3. Right after each handshake it
compares the key the host proved it holds with the pin (server/tls/pins.py), before reading a single
byte the page sent: a changed key closes the connection and marks the host "identity changed", so
no password, secret, token, cookie or message reaches whoever answered.

The relay runs on its own event loop in a daemon thread; the bridge's threads call in with
`run_coroutine_threadsafe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict, TypeVar

from server.storage.private_files import write_private
from server.tls.contexts import client_context, peer_fingerprint
from server.tls.pins import Changed, Pin, PinStore
from server.tls.safety_code import safety_code

__all__ = [
    "CONNECT_SECONDS",
    "PORTS_FILE",
    "Gateway",
    "HostOpened",
    "HostProblem",
    "IdentityChanged",
    "split_host",
]

log = logging.getLogger("lanchat.gateway")

# A host on the LAN answers within a second; a host that is off lets the connect hang this long.
CONNECT_SECONDS = 8.0
_CHUNK = 64 * 1024
# Each host's gateway port, kept between runs: what the page stores with a host's full URL (an
# unfinished upload's address) still leads to that host after a restart.
PORTS_FILE = "gateway-ports.json"

T = TypeVar("T")


class HostOpened(TypedDict):
    via: str  # "127.0.0.1:PORT": where the page reaches the host
    safety_code: str
    first_contact: bool
    verified: bool


class HostProblem(TypedDict, total=False):
    problem: Literal["identity_changed", "tls_failed", "unreachable", "bad_address"]
    old_code: str
    new_code: str
    # Where old_code came from: this window's pin (an earlier visit) or the join link's `#fp=`
    # (a first contact): the stop screen names it so, never implying a visit that never was.
    expected_from: Literal["pin", "link"]


@dataclass(frozen=True, slots=True)
class IdentityChanged:
    """What the window tells the page about a host whose key no longer matches."""

    host: str
    expected: bytes
    presented: bytes
    from_link: bool = False  # `expected` is a join link's, not a pin

    def problem(self) -> HostProblem:
        return {
            "problem": "identity_changed",
            "old_code": safety_code(self.expected),
            "new_code": safety_code(self.presented),
            "expected_from": "link" if self.from_link else "pin",
        }


class _Refused(Exception):
    def __init__(self, problem: HostProblem) -> None:
        super().__init__(problem["problem"])
        self.problem = problem


def split_host(host: str) -> tuple[str, int]:
    """("10.0.0.5", 8765) for "10.0.0.5:8765", ("fe80::1", 8765) for "[fe80::1]:8765"."""
    name, sep, port = host.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) <= 65535 or not name:
        raise ValueError(f"not an address:port: {host!r}")
    return name.removeprefix("[").removesuffix("]"), int(port)


class Gateway:
    """Loopback listeners to other hosts, each connection pinned by `pins`.

    `on_identity_changed` is called (on the gateway's thread) when a host presents another key."""

    def __init__(
        self,
        pins: PinStore,
        on_identity_changed: Callable[[IdentityChanged], None] = lambda _: None,
        connect_seconds: float = CONNECT_SECONDS,
        ports_folder: Path | None = None,
    ) -> None:
        self.pins = pins
        self._ports_path = ports_folder / PORTS_FILE if ports_folder is not None else None
        self._ports = self._recall_ports()
        self._on_identity_changed = on_identity_changed
        self._connect_seconds = connect_seconds
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lanchat-gateway", daemon=True)
        self._listeners: dict[str, asyncio.Server] = {}
        self._changed: dict[str, IdentityChanged] = {}
        self._relays: set[asyncio.Task[None]] = set()
        self._started = False

    # Called from any thread.

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def stop(self) -> None:
        if not self._started or self._loop.is_closed():
            return
        with contextlib.suppress(Exception):
            self._call(self._close_all(), timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def route(self, host: str) -> str:
        """Where the page reaches `host` ("127.0.0.1:PORT"), listening from now on; no network
        contact. Each connection is checked against the pin when it is made, and refused while
        the host has none (first contact is `open`'s alone)."""
        split_host(host)
        return self._call(self._listen(_key(host)))

    def open(self, host: str, link_fingerprint: bytes | None = None) -> HostOpened | HostProblem:
        """Reach `host` once over TLS and check its key (pinning it on first contact, or only the
        link's key when one is given); then listen for the page. Nothing is sent to the host."""
        key = _key(host)
        try:
            split_host(key)
        except ValueError:
            return {"problem": "bad_address"}
        try:
            first_contact = self._call(self._probe(key, link_fingerprint))
        except _Refused as refused:
            return refused.problem
        pin = self.pins.get(key)
        assert pin is not None  # the probe pinned it or found it pinned
        return self._opened(key, pin, first_contact)

    def trust(self, host: str, fingerprint: bytes) -> HostOpened:
        """The person compared the codes and trusts the key `host` presents now: it becomes the pin
        (verified), and the page's connections through the gateway go on."""
        key = _key(host)
        pin = self.pins.trust(key, fingerprint, verified=True)
        self._changed.pop(key, None)
        return self._opened(key, pin, first_contact=False)

    def changed(self, host: str) -> IdentityChanged | None:
        """The last changed identity seen for `host`, until the person trusts one."""
        return self._changed.get(_key(host))

    def _opened(self, key: str, pin: Pin, first_contact: bool) -> HostOpened:
        return {
            "via": self._call(self._listen(key)),
            "safety_code": safety_code(pin.fingerprint),
            "first_contact": first_contact,
            "verified": pin.verified,
        }

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        self.start()
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    # On the gateway's loop.

    async def _listen(self, key: str) -> str:
        listener = self._listeners.get(key)
        if listener is None:
            listener = await self._bind(key, self._ports.get(key, 0))
            self._listeners[key] = listener
        port = int(listener.sockets[0].getsockname()[1])
        if self._ports.get(key) != port:
            self._ports[key] = port
            self._keep_ports()
        return f"127.0.0.1:{port}"

    async def _bind(self, key: str, preferred: int) -> asyncio.Server:
        """A listener on last run's port for this host when it is free, else on any."""

        def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Coroutine[Any, Any, None]:
            return self._accepted(key, reader, writer)

        if preferred:
            try:
                return await asyncio.start_server(accept, "127.0.0.1", preferred)
            except OSError:
                log.info("the gateway port %d for %s is taken: it gets a new one", preferred, key)
        return await asyncio.start_server(accept, "127.0.0.1", 0)

    def _recall_ports(self) -> dict[str, int]:
        if self._ports_path is None:
            return {}
        try:
            saved = json.loads(self._ports_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(saved, dict):
            return {}
        return {
            str(host): port for host, port in saved.items() if isinstance(port, int) and 0 < port <= 65535
        }

    def _keep_ports(self) -> None:
        if self._ports_path is not None:
            with contextlib.suppress(OSError):
                write_private(self._ports_path, json.dumps(self._ports, indent=1, sort_keys=True) + "\n")

    async def _connect(
        self, key: str, expected: bytes | None = None
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        """A TLS connection to the host whose key passed the pin check, and whether this was the
        first contact; _Refused otherwise. Nothing has been written on it yet."""
        address, port = split_host(key)
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    address, port, ssl=client_context(), ssl_handshake_timeout=self._connect_seconds
                ),
                self._connect_seconds,
            )
        except ssl.SSLError as exc:
            log.info("TLS with %s failed: %s", key, exc)
            raise _Refused({"problem": "tls_failed"}) from exc
        except (OSError, TimeoutError) as exc:
            log.info("%s cannot be reached: %s", key, exc)
            raise _Refused({"problem": "unreachable"}) from exc
        try:
            connection = writer.get_extra_info("ssl_object")
            verdict = self.pins.check(key, peer_fingerprint(connection), expected)
        except ssl.SSLError as exc:
            writer.transport.abort()
            raise _Refused({"problem": "tls_failed"}) from exc
        if isinstance(verdict, Changed):
            # Aborted: not even a close_notify goes to whoever answered.
            writer.transport.abort()
            changed = IdentityChanged(key, verdict.expected, verdict.presented, verdict.from_link)
            self._changed[key] = changed
            log.warning("%s presented another identity than the one trusted: connection refused", key)
            self._on_identity_changed(changed)
            raise _Refused(changed.problem())
        self._changed.pop(key, None)
        return reader, writer, verdict.first_contact

    async def _probe(self, key: str, expected: bytes | None) -> bool:
        _, writer, first_contact = await self._connect(key, expected)
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
        return first_contact

    async def _accepted(
        self, key: str, page_reader: asyncio.StreamReader, page_writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        try:
            if self.pins.get(key) is None:
                # Only open() makes a first contact (and with a join link's key, only that key):
                # the page's own connections never pin whoever answers.
                log.warning("%s has no pinned identity yet: the page's connection is refused", key)
                return
            try:
                host_reader, host_writer, _ = await self._connect(key)
            except _Refused:
                return  # the page sees its connection closed; the bridge tells it why
            await _relay(page_reader, page_writer, host_reader, host_writer)
        finally:
            self._relays.discard(task)
            page_writer.close()

    async def _close_all(self) -> None:
        for listener in self._listeners.values():
            listener.close()
        for task in list(self._relays):
            task.cancel()
        for listener in self._listeners.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.wait_closed(), 2)
        self._listeners.clear()


async def _relay(
    page_reader: asyncio.StreamReader,
    page_writer: asyncio.StreamWriter,
    host_reader: asyncio.StreamReader,
    host_writer: asyncio.StreamWriter,
) -> None:
    """Bytes both ways until either side ends; then both connections close (TLS has no half-close
    that every peer honours, and HTTP and WebSocket need none)."""
    up = asyncio.ensure_future(_pipe(page_reader, host_writer))
    down = asyncio.ensure_future(_pipe(host_reader, page_writer))
    try:
        await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        up.cancel()
        down.cancel()
        host_writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ssl.SSLError, asyncio.IncompleteReadError):
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()


def _key(host: str) -> str:
    return host.strip().lower()
