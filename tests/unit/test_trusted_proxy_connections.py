"""A reverse proxy the host trusts (--trusted-proxy) carries every client's connections, so it is
not held to one address's connection cap; any other address still is, at the cap's edge."""

from __future__ import annotations

import socket

from server.policy import MAX_CONNECTIONS_PER_ADDRESS
from server.web.client_limits import ClientConnections


class FakeTransport:
    """The one thing ClientConnections asks of a transport: its socket, and whether it closed."""

    def __init__(self) -> None:
        self._sock = socket.socket()

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self._sock if name == "socket" else default

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        self._sock.close()


def fill(clients: ClientConnections, address: str, count: int) -> list[bool]:
    transports = [FakeTransport() for _ in range(count)]
    try:
        return [clients.admit(address, transport) for transport in transports]  # type: ignore[arg-type]
    finally:
        for transport in transports:
            transport.close()


def test_an_address_on_the_network_is_capped_at_its_edge():
    admitted = fill(ClientConnections(("10.0.0.10",)), "10.0.0.99", MAX_CONNECTIONS_PER_ADDRESS + 1)
    assert admitted == [True] * MAX_CONNECTIONS_PER_ADDRESS + [False]


def test_a_trusted_proxy_by_address_or_network_is_not_capped():
    clients = ClientConnections(("10.0.0.10", "10.2.0.0/16"))
    for proxy in ("10.0.0.10", "10.2.3.4", "::ffff:10.0.0.10"):
        assert all(fill(clients, proxy, MAX_CONNECTIONS_PER_ADDRESS + 5))
