"""How many connections one client address may hold, so one misbehaving peer cannot take every
file descriptor (or every slot) from everyone else.

Two counts, because a refusal must be one the client understands:
- every TCP connection (HTTP, half-sent requests, WebSockets, TLS handshakes) is counted when it is
  made, and one past `connection_cap` is answered with a plain-text 503 at once (the front door,
  front_door.py; then the HTTP protocol inside it, http_guard.py, counts the same connection);
- room sockets are counted again in the app, and one past `room_socket_cap` is accepted only to
  get an error frame and close code 4029, which the UI can show.
The room socket cap is below the connection cap, so a client opening sockets sees the error frame.

A reverse proxy the host names (`--trusted-proxy`, nginx in front of a cluster's nodes) carries
everyone's connections: it is not capped here (nginx's `limit_conn` caps each client, for every
node at once: docs/cluster.md), and the app sees the client it forwards for.

Loopback is this machine: the window (one socket per joined room plus API calls), browser tabs,
other lanchat windows. It gets larger caps than an address on the network, which is one machine
of one person.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from server.addresses import ip_of, is_local_client
from server.policy import (
    MAX_CONNECTIONS_PER_ADDRESS,
    MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS,
    MAX_ROOM_SOCKETS_PER_ADDRESS,
    MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS,
)

__all__ = ["ClientConnections", "connection_cap", "room_socket_cap"]


@lru_cache(maxsize=1024)
def connection_cap(address: str | None) -> int:
    return MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS if is_local_client(address) else MAX_CONNECTIONS_PER_ADDRESS


def room_socket_cap(address: str | None) -> int:
    return MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS if is_local_client(address) else MAX_ROOM_SOCKETS_PER_ADDRESS


class ClientConnections:
    """Open connections and room sockets per client address, shared by every listener of one app."""

    def __init__(self, trusted_proxies: tuple[str, ...] = ()) -> None:
        self._proxies = [ipaddress.ip_network(proxy, strict=False) for proxy in trusted_proxies]
        # Transports, not a counter: a connection upgraded to a WebSocket is handed to uvicorn's
        # WebSocket protocol and its end is never reported back to the HTTP protocol that counted
        # it. A closed transport says so (`is_closing`), so closed ones are swept when counting.
        # Each is kept under its connection's socket: the front door counts the TCP connection,
        # and the HTTP protocol inside TLS, whose transport is another object, the same one.
        self._transports: dict[str | None, dict[object, asyncio.BaseTransport]] = {}
        self._room_sockets: Counter[str | None] = Counter()
        self._admitted = 0

    # Upgraded connections are swept from every address once in this many admissions, so an
    # address that never connects again does not keep its closed transports (and their protocol
    # objects) alive.
    SWEEP_EVERY = 256

    def admit(self, address: str | None, transport: asyncio.BaseTransport) -> bool:
        """Count a new connection from `address`, or False when that address holds its cap already."""
        self._admitted += 1
        if self._admitted % self.SWEEP_EVERY == 0:
            self._sweep()
        held = self._transports.setdefault(address, {})
        key = _connection_key(transport)
        if key in held:  # counted already, by the front door: the same connection
            held[key] = transport
            return True
        if len(held) >= connection_cap(address) and not self.is_trusted_proxy(address):
            _drop_closed(held)
            if len(held) >= connection_cap(address):
                return False
        held[key] = transport
        return True

    def is_trusted_proxy(self, address: str | None) -> bool:
        ip = ip_of(address)
        return ip is not None and any(ip in network for network in self._proxies)

    def release(self, address: str | None, transport: asyncio.BaseTransport) -> None:
        held = self._transports.get(address)
        if held is None:
            return
        held.pop(_connection_key(transport), None)
        _drop_closed(held)
        if not held:
            del self._transports[address]

    def _sweep(self) -> None:
        for address, held in list(self._transports.items()):
            _drop_closed(held)
            if not held:
                del self._transports[address]

    def connections_of(self, address: str | None) -> int:
        return sum(1 for t in self._transports.get(address, {}).values() if not t.is_closing())

    @contextmanager
    def room_socket(self, address: str | None) -> Iterator[bool]:
        """Hold one room socket slot while the block runs; yields False when the address is at its cap."""
        if self._room_sockets[address] >= room_socket_cap(address):
            yield False
            return
        self._room_sockets[address] += 1
        try:
            yield True
        finally:
            self._room_sockets[address] -= 1
            if self._room_sockets[address] <= 0:
                del self._room_sockets[address]


def _connection_key(transport: asyncio.BaseTransport) -> object:
    """One connection, whichever transport reports it: its socket (a TLS transport answers with
    the socket of the TCP transport under it), or the transport itself when it has none."""
    sock = transport.get_extra_info("socket")
    return transport if sock is None else sock


def _drop_closed(held: dict[object, asyncio.BaseTransport]) -> None:
    for key in [key for key, transport in held.items() if transport.is_closing()]:
        del held[key]
