"""Ask each known host whether it is there: GET /api/health, /api/rooms and /api/hosts over TLS.

Runs on the server's event loop; each probe's blocking HTTP is on a worker thread (http.client on
one pinned TLS connection: the standard library is enough for three small GETs, and no proxy is
used, since a proxy set for the internet would not reach a LAN host). The host's key is checked
right after the handshake, before the first request: when its fingerprint is known (the window's
pin for it, else its TXT record, a peer's /api/hosts entry, an earlier probe) a different key is a
changed identity, and the host is not live. What a host answers is checked before it is
believed: a health answer that is not lanchat's makes it not live, and the hosts it names are only
offered to the directory, which lists none of them until each answered a probe of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.client
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from server.peers.directory import MAX_KNOWN_HOSTS, HostDirectory, KnownHost, peer_instance, peer_rooms
from server.peers.pinned_tls import IdentityChanged, PinnedHTTPSConnection
from server.tls.pins import PinStore
from server.tls.safety_code import fingerprint_from_link, safety_code

__all__ = [
    "MAX_ANSWER_BYTES",
    "PROBE_TIMEOUT_SECONDS",
    "REFRESH_SECONDS",
    "HostProber",
    "ProbeAnswer",
    "pin_key",
    "probe",
]

log = logging.getLogger("lanchat.discovery")

# One probe (its handshake and three GETs together) may take this long before the host counts as
# not answering.
PROBE_TIMEOUT_SECONDS = 2.0
# Probes at once, on threads of their own: hosts that answer slowly (or a peer naming many that
# never answer) cannot take the event loop's default thread pool from the rest of the server.
PROBE_WORKERS = 4
# Every known host is probed again this often (rooms and member counts change; hosts leave).
REFRESH_SECONDS = 10.0
# A lanchat answer is a few KiB; anything longer is not one (and is not read into memory).
MAX_ANSWER_BYTES = 256 * 1024
READ_CHUNK_BYTES = 16 * 1024


class NotLanchat(ValueError):
    """Something answered, but not as lanchat does."""


@dataclass(frozen=True)
class ProbeAnswer:
    health: dict[str, Any]
    rooms: list[Any]
    peers: list[Any]  # the hosts it knows, as its /api/hosts tells them
    fingerprint: bytes  # the key it proved it holds


class _Status(NotLanchat):
    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url}: HTTP {status}")
        self.status = status


def _get_json(connection: PinnedHTTPSConnection, path: str, deadline: float) -> Any:
    """GET `path` on the open connection (lanchat never redirects its API: a 3xx is no answer)."""
    url = f"https://{connection.host}:{connection.port}{path}"

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise NotLanchat(f"{url}: no whole answer within {PROBE_TIMEOUT_SECONDS} s")
        return left

    connection.timeout = remaining()
    if connection.sock is not None:
        connection.sock.settimeout(connection.timeout)
    connection.request("GET", path, headers={"Accept": "application/json"})
    response = connection.getresponse()
    body = b""
    # In chunks, each against the deadline: an answer trickling in must not hold a thread.
    while chunk := response.read(READ_CHUNK_BYTES):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise NotLanchat(f"{url}: answer longer than {MAX_ANSWER_BYTES} bytes")
        remaining()
    if response.status != 200:
        raise _Status(url, response.status)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise NotLanchat(f"{url}: not JSON") from exc


def probe(host: KnownHost, pinned: bytes | None = None) -> ProbeAnswer:
    """What a lanchat host answers, over TLS, its key checked first against `pinned` (the window's
    pin) or, with none, `host.fingerprint`; IdentityChanged, OSError (ssl.SSLError among them),
    http.client.HTTPException or ValueError (NotLanchat among them) otherwise."""
    deadline = time.monotonic() + PROBE_TIMEOUT_SECONDS
    expected = pinned if pinned is not None else host.fingerprint
    connection = PinnedHTTPSConnection(host.address, host.port, expected, PROBE_TIMEOUT_SECONDS)
    try:
        connection.connect()
        assert connection.fingerprint is not None
        health = _get_json(connection, "/api/health", deadline)
        if not isinstance(health, dict) or health.get("status") != "ok":
            raise NotLanchat(f"{host.address}:{host.port}/api/health is not lanchat's")
        rooms = _get_json(connection, "/api/rooms", deadline)
        rooms = rooms.get("rooms") if isinstance(rooms, dict) else None
        if not isinstance(rooms, list):
            raise NotLanchat(f"{host.address}:{host.port}/api/rooms is not lanchat's")
        try:
            known = _get_json(connection, "/api/hosts", deadline)
        except _Status:  # a lanchat from before hosts told each other
            known = {}
        peers = known.get("hosts") if isinstance(known, dict) else None
        return ProbeAnswer(health, rooms, peers if isinstance(peers, list) else [], connection.fingerprint)
    finally:
        connection.close()


def _peer_fingerprint(text: object) -> bytes | None:
    """The fingerprint a peer's /api/hosts entry gives for a host, or None when it gives none."""
    if not isinstance(text, str):
        return None
    try:
        return fingerprint_from_link(text)
    except ValueError:
        return None


def pin_key(host: KnownHost) -> str:
    """The host as a window's pin store names it: the address the page joins ("[v6]:port")."""
    address = f"[{host.address}]" if ":" in host.address else host.address
    return f"{address}:{host.port}"


class HostProber:
    """Probes the directory's hosts. `pins`: the window's trusted hosts, when this server is a
    window's (the gateway's own store, so a key trusted anew there holds here at once)."""

    def __init__(self, directory: HostDirectory, pins: PinStore | None = None) -> None:
        self.directory = directory
        self.pins = pins
        self._running: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._refresher: asyncio.Task[None] | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(PROBE_WORKERS, thread_name_prefix="lanchat-probe")

    def start(self) -> None:
        self._refresher = asyncio.create_task(self._refresh_forever())

    async def stop(self) -> None:
        tasks = [*self._running.values(), *([self._refresher] if self._refresher else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def probe_soon(self, host: KnownHost) -> None:
        """Probe `host` now, unless a probe of it is already on its way."""
        if host.key in self._running:
            return
        task = asyncio.create_task(self._probe(host))
        self._running[host.key] = task
        task.add_done_callback(lambda _: self._running.pop(host.key, None))

    def _pinned(self, host: KnownHost) -> bytes | None:
        pin = None if self.pins is None else self.pins.get(pin_key(host))
        return None if pin is None else pin.fingerprint

    async def _probe(self, host: KnownHost) -> None:
        pinned = self._pinned(host)
        try:
            answer = await asyncio.get_running_loop().run_in_executor(self._pool, probe, host, pinned)
        except IdentityChanged as exc:
            log.warning(
                "%s:%s presented another identity (safety code %s, expected %s%s): not listed",
                host.address,
                host.port,
                safety_code(exc.presented),
                safety_code(exc.expected),
                ", the window's pin" if pinned is not None else "",
            )
            self.directory.identity_changed(host, exc.presented)
            return
        except (OSError, ValueError, http.client.HTTPException) as exc:
            if host.live:
                log.info("%s:%s stopped answering: %s", host.address, host.port, exc)
            self.directory.failed(host)
            return
        if self.directory.get(host.address, host.port) is not host:
            return  # withdrawn or forgotten while we asked
        health = answer.health
        protocol = health.get("protocol")
        self.directory.answered(
            host,
            time.time(),
            name=str(health.get("name") or ""),
            protocol=protocol if isinstance(protocol, int) else None,
            instance=peer_instance(health.get("instance")),
            fingerprint=answer.fingerprint,
        )
        host.rooms = peer_rooms(answer.rooms)
        if host.instance == self.directory.own_instance:
            return  # our own list: nothing in it we do not know
        for peer in answer.peers[:MAX_KNOWN_HOSTS]:
            if not isinstance(peer, dict):
                continue
            address, port, name = peer.get("address"), peer.get("port"), peer.get("name")
            if not isinstance(address, str) or isinstance(port, bool) or not isinstance(port, int):
                continue
            entry = self.directory.offer(
                address,
                port,
                "peer",
                time.time(),
                name=name if isinstance(name, str) else "",
                fingerprint=_peer_fingerprint(peer.get("fingerprint")),
            )
            if entry is not None and entry.last_answered is None:
                self.probe_soon(entry)

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            self.directory.forget_stale(time.time())
            for host in self.directory.entries():
                self.probe_soon(host)
