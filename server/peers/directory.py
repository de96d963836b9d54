"""The lanchat hosts this instance knows, and which of them answer: plain state, no I/O.

A host becomes known three ways: found by browsing mDNS ("found"), joined once by address and
kept in the window's recent rooms ("remembered"), or named by another host's GET /api/hosts
("peer"). Whatever the source, an entry is listed as live only after it answered a probe (its
/api/health said it is lanchat) and until a probe fails: nothing unreachable is shown as if it
were there. The prober (server/peers/prober.py) does the talking and reports here.

Each entry keeps the fingerprint expected of the host's key: the one its own announcement (the TXT
record) gives, else the first a peer names, else the one its first probe saw. When this server is a
window's, the window's pin for the host comes before all of these (the prober asks the window's
pin store: a host the person trusted once is held to that key, whatever the network now says). A
probe that meets another key marks the entry "identity changed": it is not live and never shared
with others; this machine's window lists it as changed, so the person sees it and is stopped, not
left wondering where it went.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from server.addresses import ip_of
from server.protocol.limits import ROOM_LIST_PAGE_MAX
from server.protocol.refusals import Refused
from server.rooms.validation import validate_room
from server.tls.safety_code import fingerprint_in_link, safety_code

__all__ = [
    "MAX_KNOWN_HOSTS",
    "MAX_PEER_NAME_CHARS",
    "PEER_FORGET_SECONDS",
    "HostDirectory",
    "KnownHost",
    "SharedHost",
    "Source",
    "parse_host_port",
    "peer_instance",
    "peer_name",
    "peer_rooms",
    "shareable_address",
]

Source = Literal["found", "remembered", "peer"]
# Preferred first when one host is reached at two addresses.
SOURCE_ORDER: tuple[Source, ...] = ("found", "remembered", "peer")

# Entries kept at most: a peer (or a flood of announcements) cannot grow this without bound.
# Found and remembered entries, which this machine saw for itself, push out peer entries first.
MAX_KNOWN_HOSTS = 64
# A host's name as others tell it, in characters: a DNS-SD instance label holds 63 bytes.
MAX_PEER_NAME_CHARS = 63
MAX_INSTANCE_CHARS = 64
# A host learned from a peer is forgotten when it has not answered (or been named again) for this long.
PEER_FORGET_SECONDS = 120.0


class SharedHost(TypedDict):
    """One entry of GET /api/hosts: what any client on the network may read."""

    name: str
    address: str
    port: int
    protocol: int | None
    last_answered: int  # Unix time, seconds
    fingerprint: str | None  # the host's key, as a join link's #fp= carries it
    safety_code: str | None  # the same, as people compare it


@dataclass
class KnownHost:
    address: str  # an IP literal, or the name the user typed for a remembered host
    port: int
    name: str = ""
    protocol: int | None = None
    instance: str | None = None  # /api/health's per-process id: one host, several addresses
    sources: set[Source] = field(default_factory=set)
    services: set[str] = field(default_factory=set)  # the mDNS instance names that announced it
    rooms: list[dict[str, Any]] = field(default_factory=list)
    live: bool = False
    last_answered: float | None = None  # time.time() of the last good probe
    last_offered: float = 0.0  # time.time() when a source last named it
    fingerprint: bytes | None = None  # the key expected of it (see the module's docstring)
    identity_changed: bool = False  # a probe met another key than the one expected
    presented: bytes | None = None  # that other key, while identity_changed

    @property
    def key(self) -> tuple[str, int]:
        return (self.address, self.port)

    @property
    def source(self) -> Source:
        return next(s for s in SOURCE_ORDER if s in self.sources)

    @property
    def link_fingerprint(self) -> str | None:
        """The expected key as a join link's `#fp=` carries it (and /api/hosts tells it)."""
        return None if self.fingerprint is None else fingerprint_in_link(self.fingerprint)

    @property
    def safety_code(self) -> str | None:
        return None if self.fingerprint is None else safety_code(self.fingerprint)


def shareable_address(address: str) -> bool:
    """An address worth telling others (or taking from them, or probing when mDNS names it): an IP
    literal that another machine could reach, never loopback, multicast, unspecified or link-local
    (which needs an interface), however it is spelled (see server/addresses.py)."""
    ip = ip_of(address)
    if ip is None:
        return False
    return not (ip.is_loopback or ip.is_multicast or ip.is_unspecified or ip.is_link_local)


def peer_name(name: object) -> str:
    """A host's display name as a peer or mDNS gives it: text, without control or format
    characters, at most MAX_PEER_NAME_CHARS (a DNS-SD instance label's length)."""
    if not isinstance(name, str):
        return ""
    shown = "".join(ch for ch in name if unicodedata.category(ch) not in _HIDDEN_CATEGORIES)
    return " ".join(shown.split())[:MAX_PEER_NAME_CHARS]


_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def peer_rooms(rooms: list[Any]) -> list[dict[str, Any]]:
    """The room list a peer's GET /api/rooms gave, as this host repeats it: entries with a valid
    room name and counts (or None, for a private room), at most ROOM_LIST_PAGE_MAX of them."""
    kept: list[dict[str, Any]] = []
    for entry in rooms[:ROOM_LIST_PAGE_MAX]:
        if not isinstance(entry, dict):
            continue
        name, members, messages = entry.get("name"), entry.get("members"), entry.get("messages")
        try:
            validate_room(name if isinstance(name, str) else "")
        except Refused:
            continue
        if not all(_count_or_none(n) for n in (members, messages)):
            continue
        room: dict[str, Any] = {"name": name, "members": members, "messages": messages}
        if entry.get("private") is True:
            room["private"] = True
        kept.append(room)
    return kept


def _count_or_none(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def peer_instance(instance: object) -> str | None:
    """/api/health's per-process id as a peer gives it; ours are 16 hex digits."""
    return instance if isinstance(instance, str) and 0 < len(instance) <= MAX_INSTANCE_CHARS else None


def parse_host_port(text: str) -> tuple[str, int]:
    """ "10.0.0.5:8765" or "[fd00::5]:8765" as (address, port); ValueError otherwise."""
    address, colon, port = text.rpartition(":")
    address = address.removeprefix("[").removesuffix("]")
    if not colon or not address or not port.isdigit() or not 0 < int(port) <= 65535:
        raise ValueError(f"expected ADDRESS:PORT (port 1 to 65535), got {text!r}")
    return address, int(port)


class HostDirectory:
    def __init__(self, own_instance: str) -> None:
        self.own_instance = own_instance  # this process: found in its own announcements, never listed
        self._hosts: dict[tuple[str, int], KnownHost] = {}

    def __len__(self) -> int:
        return len(self._hosts)

    def get(self, address: str, port: int) -> KnownHost | None:
        return self._hosts.get((address, port))

    def entries(self) -> list[KnownHost]:
        return list(self._hosts.values())

    def offer(
        self,
        address: str,
        port: int,
        source: Source,
        now: float,
        *,
        name: str = "",
        service: str = "",
        fingerprint: bytes | None = None,
    ) -> KnownHost | None:
        """A source names a host (with its key's fingerprint when it gives one); the entry (new
        ones are not live until probed), or None when it is refused: a peer's entry that is no
        reachable IP literal, or one past the limit."""
        if not 0 < port <= 65535 or (source in ("peer", "found") and not shareable_address(address)):
            return None
        address = str(ip_of(address) or address)  # one spelling per host, so one entry
        name = peer_name(name)
        host = self._hosts.get((address, port))
        if host is None:
            if len(self._hosts) >= MAX_KNOWN_HOSTS and not self._make_room(source):
                return None
            host = self._hosts[(address, port)] = KnownHost(address, port)
        host.sources.add(source)
        host.last_offered = now
        if name and (not host.name or source != "peer"):
            host.name = name
        if service:
            host.services.add(service)
        # The host's own announcement names its key; hearsay only fills a gap.
        if fingerprint is not None and (source == "found" or host.fingerprint is None):
            if fingerprint != host.fingerprint:
                host.identity_changed = False
            host.fingerprint = fingerprint
        return host

    def _make_room(self, source: Source) -> bool:
        if source == "peer":
            return False
        # What this machine saw itself outranks hearsay: drop the peer entry heard of longest ago.
        peers = [h for h in self._hosts.values() if h.sources == {"peer"}]
        if not peers:
            return False
        del self._hosts[min(peers, key=lambda h: h.last_offered).key]
        return True

    def withdraw_service(self, service: str) -> list[KnownHost]:
        """The mDNS service said goodbye: its entries lose "found" and stop being live at once
        (a remembered host stays listed as known, to be probed again). The entries left."""
        left = []
        for host in list(self._hosts.values()):
            if service not in host.services:
                continue
            host.services.discard(service)
            if host.services:
                continue
            host.sources.discard("found")
            host.live = False
            if host.sources:
                left.append(host)
            else:
                del self._hosts[host.key]
        return left

    def remember(self, hosts: list[tuple[str, int]], now: float) -> list[KnownHost]:
        """The remembered hosts are exactly `hosts` from now on; the entries new to the directory."""
        wanted = set(hosts)
        for host in list(self._hosts.values()):
            if "remembered" in host.sources and host.key not in wanted:
                host.sources.discard("remembered")
                if not host.sources:
                    del self._hosts[host.key]
        added = []
        for address, port in hosts:
            fresh = (address, port) not in self._hosts
            entry = self.offer(address, port, "remembered", now)
            if entry is not None and fresh:
                added.append(entry)
        return added

    def answered(
        self,
        host: KnownHost,
        now: float,
        *,
        name: str,
        protocol: int | None,
        instance: str | None,
        fingerprint: bytes | None = None,
    ) -> None:
        """A probe got lanchat's answers from the host, which proved it holds `fingerprint`."""
        host.live = True
        host.identity_changed = False
        host.presented = None
        if host.fingerprint is None:
            host.fingerprint = fingerprint
        host.last_answered = now
        host.instance = instance
        name = peer_name(name)
        if name:
            host.name = name
        host.protocol = protocol

    def failed(self, host: KnownHost) -> None:
        host.live = False

    def identity_changed(self, host: KnownHost, presented: bytes | None = None) -> None:
        """A probe met another key (`presented`) than the one expected: not live, nothing asked of it."""
        host.live = False
        host.identity_changed = True
        host.presented = presented

    def changed(self) -> list[KnownHost]:
        """Entries whose last probe met another key than expected, never this process; by name.
        For this machine's window only: a stop sign, never a host to tell others of."""
        hosts = [h for h in self._hosts.values() if h.identity_changed and h.instance != self.own_instance]
        return sorted(hosts, key=lambda h: (h.name.lower(), h.address, h.port))

    def forget_stale(self, now: float) -> None:
        """Peer entries neither answering nor named again for PEER_FORGET_SECONDS go."""
        for host in list(self._hosts.values()):
            if host.sources != {"peer"}:
                continue
            heard = max(host.last_answered or 0.0, host.last_offered)
            if now - heard > PEER_FORGET_SECONDS and not host.live:
                del self._hosts[host.key]

    def live(self) -> list[KnownHost]:
        """Live entries, each host once (several addresses of one instance: the best source wins),
        never this process itself; by name."""
        chosen: dict[str, KnownHost] = {}
        for host in self._hosts.values():
            if not host.live or host.instance == self.own_instance:
                continue
            ident = host.instance or f"{host.address}:{host.port}"
            best = chosen.get(ident)
            if best is None or SOURCE_ORDER.index(host.source) < SOURCE_ORDER.index(best.source):
                chosen[ident] = host
        return sorted(chosen.values(), key=lambda h: (h.name.lower(), h.address, h.port))

    def shared(self) -> list[SharedHost]:
        """What GET /api/hosts tells the network: live hosts at addresses others could reach.
        Nothing of this machine's own state (which rooms were joined, when, under what name)."""
        return [
            {
                "name": host.name,
                "address": host.address,
                "port": host.port,
                "protocol": host.protocol,
                "last_answered": int(host.last_answered or 0),
                "fingerprint": host.link_fingerprint,
                "safety_code": host.safety_code,
            }
            for host in self.live()
            if shareable_address(host.address)
        ]
