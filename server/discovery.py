"""Finding lanchat hosts on the LAN: DNS-SD over multicast DNS (python-zeroconf's asyncio API).

A host announces a `_lanchat._tcp` service; a browsing instance keeps a live list of the hosts it
hears (added, updated, removed), each probed over HTTP (its /api/rooms) before it is listed, so
nothing that does not answer is shown as if it were there. Everything runs on the server's event
loop. Multicast must never leave a machine whose owner turned discovery off: `discovery_enabled`
is checked before any socket is opened.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import socket
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .protocol import PROTOCOL_VERSION

if TYPE_CHECKING:
    from starlette.requests import Request

    from .config import ServerConfig

__all__ = [
    "DISCOVERY_ENV",
    "SERVICE_TYPE",
    "Announcer",
    "DiscoveredHosts",
    "HostBrowser",
    "discovery_enabled",
    "is_loopback_client",
    "start_browsing",
]

log = logging.getLogger("lanchat.discovery")

SERVICE_TYPE = "_lanchat._tcp.local."
# LANCHAT_DISCOVERY=off keeps every announce and browse from starting (tests, careful networks).
DISCOVERY_ENV = "LANCHAT_DISCOVERY"
# A DNS label is at most 63 bytes; the display name is the instance label.
MAX_INSTANCE_NAME_BYTES = 63
# How long one probe of a found host's /api/rooms may take before it counts as not answering.
PROBE_TIMEOUT_SECONDS = 2.0
# How long resolving a found service's address and TXT record may take.
RESOLVE_TIMEOUT_MS = 3000
# Listed hosts' rooms and member counts are fetched again this often.
REFRESH_SECONDS = 10.0


def discovery_enabled() -> bool:
    return os.environ.get(DISCOVERY_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


def instance_name(display_name: str) -> str:
    """The service instance label: the display name, cut to what DNS allows (whole characters)."""
    label = display_name.replace(".", " ").strip() or "lanchat"
    while len(label.encode()) > MAX_INSTANCE_NAME_BYTES:
        label = label[:-1]
    return label


class Announcer:
    """Announce this host on `addresses` (the interfaces it listens on) until `stop`."""

    def __init__(self, display_name: str, port: int, addresses: list[str]) -> None:
        self.display_name = display_name
        self.port = port
        self.addresses = addresses
        self._zeroconf: Any = None
        self._info: Any = None

    @property
    def registered_name(self) -> str | None:
        """The instance name in use: zeroconf renames it ("name (2)") when another host has it."""
        return None if self._info is None else str(self._info.name)

    async def start(self) -> None:
        if not discovery_enabled():
            raise RuntimeError(f"discovery is off ({DISCOVERY_ENV}=off)")
        from zeroconf import IPVersion
        from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

        name = instance_name(self.display_name)
        self._info = AsyncServiceInfo(
            SERVICE_TYPE,
            f"{name}.{SERVICE_TYPE}",
            port=self.port,
            addresses=[socket.inet_aton(a) for a in self.addresses],
            properties={
                "name": self.display_name,
                "v": str(PROTOCOL_VERSION),
                "port": str(self.port),
                "private": "0",  # private rooms do not exist yet
            },
            # The host name in the SRV record: one per process, so two lanchats on one machine
            # never fight over it.
            server=f"lanchat-{socket.gethostname()}-{os.getpid()}.local.",
        )
        self._zeroconf = AsyncZeroconf(interfaces=self.addresses, ip_version=IPVersion.V4Only)
        # A clash with another host's name is resolved by renaming, never fatal.
        # The first await queues the probe and announce, the second waits until they went out.
        await (await self._zeroconf.async_register_service(self._info, allow_name_change=True))

    async def stop(self) -> None:
        """Withdraw (goodbye packets) and close the sockets."""
        zeroconf, self._zeroconf = self._zeroconf, None
        if zeroconf is None:
            return
        try:  # the goodbyes must have gone out before the sockets close: hence the second await
            await (await zeroconf.async_unregister_service(self._info))
        except OSError as exc:  # the network may be gone; close anyway
            log.warning("could not withdraw the announcement: %s", exc)
        await zeroconf.async_close()


@dataclass
class FoundHost:
    name: str
    address: str
    port: int
    protocol: int | None
    rooms: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "port": self.port,
            "protocol": self.protocol,
            "rooms": self.rooms,
        }


class DiscoveredHosts:
    """The live list, keyed by service instance name; what GET /api/discovered shows."""

    def __init__(self) -> None:
        self.browsing = False
        self._hosts: dict[str, FoundHost] = {}

    def put(self, service: str, host: FoundHost) -> None:
        self._hosts[service] = host

    def remove(self, service: str) -> None:
        self._hosts.pop(service, None)

    def as_json(self) -> dict[str, Any]:
        hosts = sorted(self._hosts.values(), key=lambda h: (h.name.lower(), h.address))
        return {"browsing": self.browsing, "hosts": [h.as_json() for h in hosts]}


def _fetch_rooms(address: str, port: int) -> list[dict[str, Any]]:
    # No proxy: the host is on this LAN, and a proxy set for the internet would not reach it.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://{address}:{port}/api/rooms", timeout=PROBE_TIMEOUT_SECONDS) as response:
        body = json.loads(response.read())
    rooms = body.get("rooms") if isinstance(body, dict) else None
    if not isinstance(rooms, list):
        raise ValueError("not a lanchat /api/rooms answer")
    return rooms


class HostBrowser:
    """Browse for `_lanchat._tcp` and keep `hosts` up to date until `stop`."""

    def __init__(self, hosts: DiscoveredHosts) -> None:
        self.hosts = hosts
        self._zeroconf: Any = None
        self._browser: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._refresher: asyncio.Task[None] | None = None
        self._known: set[str] = set()

    async def start(self) -> None:
        if not discovery_enabled():
            raise RuntimeError(f"discovery is off ({DISCOVERY_ENV}=off)")
        from zeroconf import IPVersion
        from zeroconf.asyncio import AsyncServiceBrowser, AsyncZeroconf

        self._zeroconf = AsyncZeroconf(ip_version=IPVersion.V4Only)
        self._browser = AsyncServiceBrowser(self._zeroconf.zeroconf, SERVICE_TYPE, handlers=[self._on_change])
        self._refresher = asyncio.create_task(self._refresh_forever())
        self.hosts.browsing = True

    def _on_change(self, zeroconf: Any, service_type: str, name: str, state_change: Any) -> None:
        # Called on the event loop by zeroconf; the work (resolve, probe) is a task of its own.
        from zeroconf import ServiceStateChange

        if state_change is ServiceStateChange.Removed:
            self._known.discard(name)
            self.hosts.remove(name)
            return
        self._known.add(name)
        self._spawn(self._resolve_and_probe(name))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resolve_and_probe(self, name: str) -> None:
        from zeroconf.asyncio import AsyncServiceInfo

        info = AsyncServiceInfo(SERVICE_TYPE, name)
        if not await info.async_request(self._zeroconf.zeroconf, RESOLVE_TIMEOUT_MS):
            return
        properties = {
            k.decode(errors="replace"): (v or b"").decode(errors="replace")
            for k, v in info.properties.items()
        }
        display = properties.get("name") or name.removesuffix("." + SERVICE_TYPE)
        try:
            protocol: int | None = int(properties.get("v", ""))
        except ValueError:
            protocol = None
        port = int(info.port or 0)
        for address in info.parsed_addresses():
            try:
                rooms = await asyncio.to_thread(_fetch_rooms, address, port)
            except (OSError, ValueError) as exc:
                log.info("found %s at %s:%s but it does not answer: %s", name, address, port, exc)
                continue
            if name in self._known:  # it may have said goodbye while we probed
                self.hosts.put(name, FoundHost(display, address, port, protocol, rooms))
            return
        self.hosts.remove(name)  # announced, but unreachable: not listed as live

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            for name in list(self._known):
                self._spawn(self._resolve_and_probe(name))

    async def stop(self) -> None:
        self.hosts.browsing = False
        if self._refresher is not None:
            self._refresher.cancel()
        for task in list(self._tasks):
            task.cancel()
        zeroconf, self._zeroconf = self._zeroconf, None
        if zeroconf is None:
            return
        if self._browser is not None:
            await self._browser.async_cancel()
        await zeroconf.async_close()


async def start_browsing(config: ServerConfig, hosts: DiscoveredHosts) -> HostBrowser | None:
    """Browse when the config asks for it and discovery is on; None otherwise. A network that
    refuses multicast leaves the list empty rather than stopping the server."""
    if not (config.browse and discovery_enabled()):
        return None
    browser = HostBrowser(hosts)
    try:
        await browser.start()
    except OSError as exc:
        log.warning("cannot browse for lanchat hosts: %s", exc)
        return None
    return browser


def is_loopback_client(request: Request) -> bool:
    """Asked from this machine, by a page of this machine (or no page): a LAN page open in the
    user's browser runs on loopback too, and may not read who is around through it."""
    client = request.client
    if client is None or not _is_loopback(client.host):
        return False
    origin = request.headers.get("origin")
    return origin is None or _is_loopback(urlsplit(origin).hostname or "")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
