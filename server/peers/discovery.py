"""Finding lanchat hosts on the LAN: DNS-SD over multicast DNS (python-zeroconf's asyncio API).

A host announces a `_lanchat._tcp` service; a browsing instance offers the hosts it hears (added,
updated, removed) to its directory of known hosts (server/peers/directory.py), beside the ones
joined once by address and the ones other hosts name, and each is probed over TLS
(server/peers/prober.py) before it is listed, so nothing that does not answer is shown as if it
were there. The TXT record carries the host's key (`fp=`, as a join link does), so the probe of a
host found this way checks the key from its first byte. Everything runs on the server's event
loop. Multicast must never leave a machine whose owner turned discovery off: `discovery_enabled`
is checked before any socket is opened.

An announcement names the addresses it was made on; a laptop moving from Ethernet to Wi-Fi gets
new ones. A host listening on every interface therefore looks at its addresses again every
`ADDRESS_CHECK_SECONDS` and announces afresh on the new ones when they change (withdrawn while
it has none), so others keep finding it where it now is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from server.addresses import is_loopback_host
from server.peers.directory import HostDirectory, SharedHost
from server.peers.discovery_switch import DISCOVERY_ENV, discovery_enabled
from server.peers.prober import HostProber
from server.protocol.limits import PROTOCOL_VERSION
from server.tls.safety_code import fingerprint_from_link, fingerprint_in_link, safety_code

if TYPE_CHECKING:
    from starlette.requests import Request

    from server.config import ServerConfig
    from server.tls.pins import PinStore

__all__ = [
    "ADDRESS_CHECK_SECONDS",
    "DISCOVERY_ENV",
    "SERVICE_TYPE",
    "Announcer",
    "Discovery",
    "HostBrowser",
    "discovery_enabled",
    "is_loopback_client",
    "start_browsing",
]

log = logging.getLogger("lanchat.discovery")

SERVICE_TYPE = "_lanchat._tcp.local."
# A DNS label is at most 63 bytes; the display name is the instance label.
MAX_INSTANCE_NAME_BYTES = 63
# How long resolving a found service's address and TXT record may take.
RESOLVE_TIMEOUT_MS = 3000
# How often an announcement that follows this machine's addresses looks at them again: a few
# system calls each time, and a peer finds the host on a new network within this long.
ADDRESS_CHECK_SECONDS = 5.0


def instance_name(display_name: str) -> str:
    """The service instance label: the display name, cut to what DNS allows (whole characters)."""
    label = display_name.replace(".", " ").strip() or "lanchat"
    while len(label.encode()) > MAX_INSTANCE_NAME_BYTES:
        label = label[:-1]
    return label


class Announcer:
    """Announce this host on `addresses` (the interfaces it listens on) until `stop`."""

    def __init__(
        self,
        display_name: str,
        port: int,
        addresses: list[str],
        private: bool = False,
        fingerprint: bytes | None = None,
    ) -> None:
        self.display_name = display_name
        self.port = port
        self.addresses = addresses
        self.private = private  # the host has private rooms: a browser may show a lock
        self.fingerprint = fingerprint  # the host's key, for whoever finds it to pin
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
        properties = {
            "name": self.display_name,
            "v": str(PROTOCOL_VERSION),
            "port": str(self.port),
            "private": "1" if self.private else "0",
        }
        if self.fingerprint is not None:
            properties["fp"] = fingerprint_in_link(self.fingerprint)
        self._info = AsyncServiceInfo(
            SERVICE_TYPE,
            f"{name}.{SERVICE_TYPE}",
            port=self.port,
            addresses=[socket.inet_aton(a) for a in self.addresses],
            properties=properties,
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


class HostBrowser:
    """Browse for `_lanchat._tcp` and offer what is heard to the directory until `stop`; the
    prober decides what is live."""

    def __init__(self, directory: HostDirectory, prober: HostProber) -> None:
        self.directory = directory
        self.prober = prober
        self._zeroconf: Any = None
        self._browser: Any = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        if not discovery_enabled():
            raise RuntimeError(f"discovery is off ({DISCOVERY_ENV}=off)")
        from zeroconf import IPVersion
        from zeroconf.asyncio import AsyncServiceBrowser, AsyncZeroconf

        self._zeroconf = AsyncZeroconf(ip_version=IPVersion.V4Only)
        self._browser = AsyncServiceBrowser(self._zeroconf.zeroconf, SERVICE_TYPE, handlers=[self._on_change])

    def _on_change(self, zeroconf: Any, service_type: str, name: str, state_change: Any) -> None:
        # Called on the event loop by zeroconf; resolving is a task of its own.
        from zeroconf import ServiceStateChange

        if state_change is ServiceStateChange.Removed:
            for host in self.directory.withdraw_service(name):
                self.prober.probe_soon(host)  # remembered too: is it still there?
            return
        task = asyncio.ensure_future(self._resolve(name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resolve(self, name: str) -> None:
        from zeroconf.asyncio import AsyncServiceInfo

        info = AsyncServiceInfo(SERVICE_TYPE, name)
        if not await info.async_request(self._zeroconf.zeroconf, RESOLVE_TIMEOUT_MS):
            return
        properties = {
            k.decode(errors="replace"): (v or b"").decode(errors="replace")
            for k, v in info.properties.items()
        }
        display = properties.get("name") or name.removesuffix("." + SERVICE_TYPE)
        fingerprint = _announced_fingerprint(properties.get("fp"))
        for address in info.parsed_addresses():
            host = self.directory.offer(
                address,
                int(info.port or 0),
                "found",
                time.time(),
                name=display,
                service=name,
                fingerprint=fingerprint,
            )
            if host is not None:
                self.prober.probe_soon(host)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        zeroconf, self._zeroconf = self._zeroconf, None
        if zeroconf is None:
            return
        if self._browser is not None:
            await self._browser.async_cancel()
        await zeroconf.async_close()


def _announced_fingerprint(text: str | None) -> bytes | None:
    """The key a TXT record's `fp=` names; None when it names none (a lanchat from before TLS
    identities, or garbage: then the first probe's key is remembered instead)."""
    if not text:
        return None
    try:
        return fingerprint_from_link(text)
    except ValueError:
        return None


class Discovery:
    """One server's discovery, on its event loop: the known hosts and their prober, the mDNS
    browser, and the announcement while hosting. Nothing starts while discovery is off."""

    def __init__(self, address_check_seconds: float = ADDRESS_CHECK_SECONDS) -> None:
        # Says "this is me" in /api/health: a browsing host hears its own announcement.
        self.instance = secrets.token_hex(8)
        self.address_check_seconds = address_check_seconds
        self._follower: asyncio.Task[None] | None = None  # re-announces when the addresses change
        self.directory = HostDirectory(self.instance)
        self._prober: HostProber | None = None
        self._browser: HostBrowser | None = None
        self._announcer: Announcer | None = None
        self._remembered: list[tuple[str, int]] = []
        self._lock: asyncio.Lock | None = None  # made on the loop: announce and withdraw take turns
        # Whether the host has private rooms, asked at each announcement (create_app sets it).
        self.has_private_rooms: Callable[[], bool] = lambda: False
        # The host's key as it serves it now, asked at each announcement (create_app sets it).
        self.own_fingerprint: Callable[[], bytes | None] = lambda: None
        # The window's trusted hosts, when this server is a window's (the window gives its
        # gateway's store): each host is probed against its pin first.
        self.pins: PinStore | None = None

    @property
    def browsing(self) -> bool:
        return self._prober is not None

    @property
    def announced_name(self) -> str | None:
        """The display name announced now, or None."""
        return None if self._announcer is None else self._announcer.display_name

    def _turns(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def start_browsing(self) -> None:
        """Know hosts: browse mDNS (a network that refuses multicast leaves only the remembered
        and peer-named ones), probe the remembered ones."""
        if self._prober is not None or not discovery_enabled():
            return
        self._prober = HostProber(self.directory, self.pins)
        self._prober.start()
        browser = HostBrowser(self.directory, self._prober)
        try:
            await browser.start()
        except OSError as exc:
            log.warning("cannot browse for lanchat hosts: %s", exc)
        else:
            self._browser = browser
        await self.remember(self._remembered)

    async def stop_browsing(self) -> None:
        prober, self._prober = self._prober, None
        browser, self._browser = self._browser, None
        if browser is not None:
            await browser.stop()
        if prober is not None:
            await prober.stop()
        self.directory = HostDirectory(self.instance)

    async def remember(self, hosts: list[tuple[str, int]]) -> None:
        """Hosts joined once by address: listed (when they answer) wherever they are."""
        self._remembered = list(hosts)
        if self._prober is None:
            return
        for host in self.directory.remember(self._remembered, time.time()):
            self._prober.probe_soon(host)

    async def announce(
        self,
        display_name: str,
        port: int,
        addresses: list[str],
        follow: Callable[[], list[str]] | None = None,
    ) -> str | None:
        """Announce (replacing any announcement); the instance name in use, None when discovery
        is off or there is nowhere to announce. With `follow` (what the addresses are now), the
        announcement moves with them when they change, until withdrawn."""
        await self._stop_following()
        async with self._turns():
            registered = await self._announce(display_name, port, addresses)
        if follow is not None and discovery_enabled():
            self._follower = asyncio.ensure_future(self._follow(display_name, port, addresses, follow))
        return registered

    async def _announce(self, display_name: str, port: int, addresses: list[str]) -> str | None:
        await self._withdraw()
        if not discovery_enabled() or not addresses:
            return None
        announcer = Announcer(
            display_name,
            port,
            addresses,
            private=self.has_private_rooms(),
            fingerprint=self.own_fingerprint(),
        )
        try:
            await announcer.start()
        except OSError as exc:
            log.warning("cannot announce: %s", exc)
            await announcer.stop()
            raise
        except BaseException:  # cancelled halfway: close the sockets it opened
            await announcer.stop()
            raise
        self._announcer = announcer
        return announcer.registered_name

    async def _follow(
        self, display_name: str, port: int, announced: list[str], follow: Callable[[], list[str]]
    ) -> None:
        while True:
            await asyncio.sleep(self.address_check_seconds)
            try:
                now = await asyncio.to_thread(follow)
            except OSError as exc:
                log.warning("cannot read this machine's addresses: %s", exc)
                continue
            if sorted(now) == sorted(announced):
                continue
            log.info("this machine's addresses changed from %s to %s: announcing again", announced, now)
            async with self._turns():
                try:
                    await self._announce(display_name, port, now)
                except OSError:
                    continue  # logged; tried again at the next look, as the addresses still differ
            announced = now

    async def _stop_following(self) -> None:
        follower, self._follower = self._follower, None
        if follower is not None and follower is not asyncio.current_task():
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower

    async def withdraw(self) -> None:
        await self._stop_following()
        async with self._turns():
            await self._withdraw()

    async def _withdraw(self) -> None:
        announcer, self._announcer = self._announcer, None
        if announcer is not None:
            await announcer.stop()

    async def close(self) -> None:
        await self.withdraw()
        await self.stop_browsing()

    def discovered_json(self) -> dict[str, Any]:
        """GET /api/discovered: the live hosts with their rooms (for this machine's window), then
        those whose identity changed: marked, with no rooms (nothing was asked of them)."""
        hosts = [
            {
                "name": host.name or host.address,
                "address": host.address,
                "port": host.port,
                "protocol": host.protocol,
                "rooms": [] if host.identity_changed else host.rooms,
                "source": host.source,
                "last_answered": int(host.last_answered or 0),
                "fingerprint": host.link_fingerprint,
                "safety_code": host.safety_code,
                "identity_changed": host.identity_changed,
                "presented_safety_code": None if host.presented is None else safety_code(host.presented),
            }
            for host in [*self.directory.live(), *self.directory.changed()]
        ]
        return {"browsing": self.browsing, "hosts": hosts}

    def shared_json(self) -> dict[str, list[SharedHost]]:
        """GET /api/hosts: what any client may read (see HostDirectory.shared)."""
        return {"hosts": self.directory.shared() if self.browsing else []}


async def start_browsing(config: ServerConfig, discovery: Discovery) -> None:
    """Browse from the start when the config asks for it and discovery is on."""
    await discovery.remember(list(config.known_hosts))
    if config.browse and discovery_enabled():
        await discovery.start_browsing()


def is_loopback_client(request: Request) -> bool:
    """Asked from this machine, by a page of this machine (or no page): a LAN page open in the
    user's browser runs on loopback too, and may not read who is around through it."""
    client = request.client
    if client is None or not is_loopback_host(client.host):
        return False
    origin = request.headers.get("origin")
    return origin is None or is_loopback_host(urlsplit(origin).hostname or "")
