"""The window's part in discovery: announce while hosting, browse while discovery is on.

Discovery is on when all three agree: the environment (LANCHAT_DISCOVERY, which tests and careful
networks set to off), the command line (`lanchat --no-discovery`) and the setting the user
switches in the window (settings.json `discovery`).

The window browses the whole time discovery is on, not only while the join screen is open: a
hosting window must know its peers to tell others about them (GET /api/hosts) while its user sits
in a room, and the join screen then lists hosts the moment it opens instead of a second or two
later. Browsing costs little: zeroconf answers what it hears and its queries back off to one an
hour, and the remembered hosts are probed once every 10 s.

The announcement goes out on the addresses the host panel shows (every non-loopback IPv4 of this
machine), with the user's display name; stopping hosting, switching discovery off or quitting
withdraws it with goodbye packets before the listener closes.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from server.peers.directory import parse_host_port
from server.peers.discovery_switch import discovery_enabled
from server.peers.local_addresses import lan_addresses
from server.runtime.runner import ServerStartError, ServerThread

from .settings import Settings

if TYPE_CHECKING:
    import concurrent.futures

    from server.peers.discovery import Discovery

__all__ = ["Presence", "discovery_blocked_by", "remembered_hosts"]

log = logging.getLogger("lanchat.desktop")

# How long quitting or stopping hosting waits for the goodbye packets.
WITHDRAW_TIMEOUT_SECONDS = 5.0


def remembered_hosts(settings: Settings) -> list[tuple[str, int]]:
    """The other hosts of the recent rooms, as (address, port): joined once, listed when they answer."""
    hosts: dict[tuple[str, int], None] = {}
    for entry in settings.recent:
        host = entry.get("host")
        if not host:
            continue  # this window's own server
        try:
            hosts[parse_host_port(host)] = None
        except ValueError:
            log.warning("ignoring a recent host without a port: %r", host)
    return list(hosts)


def discovery_blocked_by(allowed: bool) -> str | None:
    """What keeps discovery off whatever the setting says: "environment", "flag" or None."""
    if not discovery_enabled():
        return "environment"
    if not allowed:
        return "flag"
    return None


class Presence:
    def __init__(self, server: ServerThread, settings: Settings, allowed: bool = True) -> None:
        self._server = server
        self._allowed = allowed  # False with --no-discovery
        self._settings = settings
        self._hosting_port: int | None = None

    @property
    def enabled(self) -> bool:
        return discovery_blocked_by(self._allowed) is None and self._settings.discovery

    def status(self) -> dict[str, Any]:
        """For the settings toggle: the setting, whether discovery is on, and what blocks it."""
        blocked = discovery_blocked_by(self._allowed)
        return {"setting": self._settings.discovery, "enabled": self.enabled, "blocked_by": blocked}

    def settings_changed(self, settings: Settings) -> None:
        """Apply what changed: discovery switched, the name announced, the recent hosts."""
        before = self._settings
        self._settings = settings
        if not self._server.running:
            return
        discovery = self._discovery()
        if discovery is None:
            return
        if self.enabled:
            self._submit(discovery.start_browsing())
            self._submit(discovery.remember(remembered_hosts(settings)))
        else:
            self._submit(discovery.stop_browsing())
        renamed = before.name != settings.name or before.discovery != settings.discovery
        if self._hosting_port is not None and renamed:
            self._announce(self._hosting_port)

    def hosting_started(self, port: int) -> None:
        """Announce (without waiting for it: probing for a unique name takes a second or two)."""
        self._hosting_port = port
        self._announce(port)

    def hosting_stopped(self) -> None:
        """Withdraw and wait for the goodbyes (before the listener closes, so nobody is told of a
        host that no longer answers)."""
        self._hosting_port = None
        discovery = self._discovery()
        if discovery is None:
            return
        try:
            self._server.run_on_loop(discovery.withdraw(), WITHDRAW_TIMEOUT_SECONDS)
        except (ServerStartError, TimeoutError, OSError) as exc:
            log.warning("could not withdraw the announcement: %s", exc)

    def rooms_changed(self) -> None:
        """A room became private or open: the announcement's `private` flag follows."""
        if self._hosting_port is not None:
            self._announce(self._hosting_port)

    def display_name(self) -> str:
        return self._settings.name or socket.gethostname()

    def _announce(self, port: int) -> None:
        discovery = self._discovery()
        if discovery is None:
            return
        if self.enabled:
            # Hosting listens on every interface: the announcement follows their addresses.
            self._submit(discovery.announce(self.display_name(), port, lan_addresses(), lan_addresses))
        else:
            self._submit(discovery.withdraw())

    def _discovery(self) -> Discovery | None:
        app = self._server.app
        return None if app is None else app.discovery

    def _submit(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            future = self._server.submit_on_loop(coro)
        except ServerStartError:
            return  # stopping: the server's shutdown withdraws and stops browsing itself
        future.add_done_callback(_log_failure)


def _log_failure(future: concurrent.futures.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("discovery: %s", future.exception())
