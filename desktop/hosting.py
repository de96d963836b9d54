"""Hosting: open the embedded server to the local network on a port, and close it again."""

from __future__ import annotations

import logging
import socket
import threading
from typing import TYPE_CHECKING, TypedDict

from server.peers.local_addresses import lan_interfaces
from server.runtime.runner import PortTakenError, ServerStartError, ServerThread

from .network_kind import NetworkKind, network_kind

if TYPE_CHECKING:
    from .presence import Presence

__all__ = ["NETWORK_HOST", "HostError", "HostNetwork", "HostStatus", "Hosting", "host_networks"]

log = logging.getLogger("lanchat.desktop")

NETWORK_HOST = "0.0.0.0"
# How far past a taken port to look for a free one to suggest.
SUGGEST_SPAN = 100


class HostError:
    """The error codes `start_hosting` can return; the UI translates them."""

    PORT_TAKEN = "port_taken"  # comes with suggested_port
    PORT_INVALID = "port_invalid"  # not an integer from 1 to 65535
    PORT_FORBIDDEN = "port_forbidden"  # the OS refused it (ports below 1024 need privileges)
    LISTEN_FAILED = "listen_failed"  # anything else


class HostNetwork(TypedDict):
    address: str
    interface: str  # eth0, wlp2s0, ...
    kind: NetworkKind  # wifi, ethernet, vpn, other: so the host gives the address that works


class HostStatus(TypedDict):
    hosting: bool
    port: int | None
    addresses: list[str]  # every non-loopback IPv4 address of this machine; peers use ADDRESS:port
    networks: list[HostNetwork]  # the same addresses, in the same order, with their interfaces
    error: str | None
    suggested_port: int | None


class Hosting:
    def __init__(self, server: ServerThread, presence: Presence | None = None) -> None:
        self._server = server
        self._presence = presence  # announces while hosting
        self._lock = threading.Lock()

    @property
    def server(self) -> ServerThread:
        """The window's own server, which hosting opens to the network."""
        return self._server

    def status(self, error: str | None = None, suggested_port: int | None = None) -> HostStatus:
        port = self._server.listener_port
        networks = host_networks() if port is not None else []
        return {
            "hosting": port is not None,
            "port": port,
            "addresses": [network["address"] for network in networks],
            "networks": networks,
            "error": error,
            "suggested_port": suggested_port,
        }

    def settled_status(self) -> HostStatus:
        """The status once a start or stop under way has finished: in between, the listener may
        already be bound while its port is not known yet, and a caller would read "not hosting"."""
        with self._lock:
            return self.status()

    def start(self, port: object) -> HostStatus:
        """Accept peers from the network on `port`; hosting on another port moves there."""
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            return self.status(HostError.PORT_INVALID)
        with self._lock:
            current = self._server.listener_port
            if current == port:
                return self.status()
            if current is not None:
                self._withdraw()
                self._server.stop_listener()
            try:
                self._server.start_listener(NETWORK_HOST, port)
            except PortTakenError:
                return self.status(HostError.PORT_TAKEN, next_free_port(port))
            except ServerStartError as exc:
                log.warning("could not host on port %d: %s", port, exc)
                cause = exc.__cause__
                forbidden = isinstance(cause, PermissionError)
                return self.status(HostError.PORT_FORBIDDEN if forbidden else HostError.LISTEN_FAILED)
            log.info("hosting on port %d", port)
            if self._presence is not None:
                self._presence.hosting_started(port)
            return self.status()

    def stop(self) -> HostStatus:
        """Close the network listener and disconnect remote members; the window keeps its connection."""
        with self._lock:
            if self._server.listener_port is not None:
                self._withdraw()
                self._server.stop_listener()
                log.info("stopped hosting")
            return self.status()

    def restart(self) -> HostStatus:
        """Hosting again on the same port (its connections end), if hosting: after a new host
        identity, nobody stays connected with the old key."""
        with self._lock:
            port = self._server.listener_port
            if port is None:
                return self.status()
            self._server.stop_listener()
            try:
                self._server.start_listener(NETWORK_HOST, port)
            except ServerStartError as exc:
                log.warning("could not host again on port %d: %s", port, exc)
                self._withdraw()
                return self.status(HostError.LISTEN_FAILED)
            return self.status()

    def _withdraw(self) -> None:
        # Goodbyes before the listener closes: nobody is told of a host that no longer answers.
        if self._presence is not None:
            self._presence.hosting_stopped()


def host_networks() -> list[HostNetwork]:
    """This machine's LAN addresses, each with its interface and the kind of network it is on."""
    return [
        {
            "address": entry.address,
            "interface": entry.interface,
            "kind": network_kind(entry.interface, entry.description),
        }
        for entry in lan_interfaces()
    ]


def next_free_port(taken: int) -> int | None:
    """The first port after `taken` that can be listened on from the network right now."""
    for candidate in range(taken + 1, min(taken + SUGGEST_SPAN, 65535) + 1):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((NETWORK_HOST, candidate))
            except OSError:
                continue
            return candidate
    return None
