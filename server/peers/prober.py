"""Ask each known host whether it is there: GET /api/health, /api/rooms and /api/hosts over HTTP.

Runs on the server's event loop; each probe's blocking HTTP is on a worker thread (urllib: the
standard library is enough for three small GETs, and no proxy is used, since a proxy set for the
internet would not reach a LAN host). What a host answers is checked before it is believed: a
health answer that is not lanchat's makes it not live, and the hosts it names are only offered to
the directory, which lists none of them until each answered a probe of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

from server.peers.directory import MAX_KNOWN_HOSTS, HostDirectory, KnownHost, peer_instance, peer_rooms

__all__ = ["MAX_ANSWER_BYTES", "PROBE_TIMEOUT_SECONDS", "REFRESH_SECONDS", "HostProber"]

log = logging.getLogger("lanchat.discovery")

# One probe (its three GETs together) may take this long before the host counts as not answering.
PROBE_TIMEOUT_SECONDS = 2.0
# Probes at once, on threads of their own: hosts that answer slowly (or a peer naming many that
# never answer) cannot take the event loop's default thread pool from the rest of the server.
PROBE_WORKERS = 4
# Every known host is probed again this often (rooms and member counts change; hosts leave).
REFRESH_SECONDS = 10.0
# A lanchat answer is a few KiB; anything longer is not one (and is not read into memory).
MAX_ANSWER_BYTES = 256 * 1024


class NotLanchat(ValueError):
    """Something answered, but not as lanchat does."""


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """lanchat never redirects its API; following one would let a host named by a peer send our
    probes anywhere."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        raise NotLanchat(f"{req.full_url} redirects to {newurl}")


READ_CHUNK_BYTES = 16 * 1024


def _get_json(url: str, deadline: float) -> Any:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirects())
    body = b""
    with opener.open(url, timeout=max(0.01, deadline - time.monotonic())) as response:
        # In chunks, each against the deadline: an answer trickling in must not hold a thread.
        while chunk := response.read(READ_CHUNK_BYTES):
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                raise NotLanchat(f"{url}: answer longer than {MAX_ANSWER_BYTES} bytes")
            if time.monotonic() > deadline:
                raise NotLanchat(f"{url}: no whole answer within {PROBE_TIMEOUT_SECONDS} s")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise NotLanchat(f"{url}: not JSON") from exc


def _base_url(host: KnownHost) -> str:
    address = f"[{host.address}]" if ":" in host.address else host.address
    return f"http://{address}:{host.port}"


def probe(host: KnownHost) -> tuple[dict[str, Any], list[dict[str, Any]], list[Any]]:
    """(health, rooms, hosts it knows) of a lanchat host; OSError, http.client.HTTPException or
    ValueError (NotLanchat among them) otherwise."""
    base = _base_url(host)
    deadline = time.monotonic() + PROBE_TIMEOUT_SECONDS
    health = _get_json(f"{base}/api/health", deadline)
    if not isinstance(health, dict) or health.get("status") != "ok":
        raise NotLanchat(f"{base}/api/health is not lanchat's")
    rooms = _get_json(f"{base}/api/rooms", deadline)
    rooms = rooms.get("rooms") if isinstance(rooms, dict) else None
    if not isinstance(rooms, list):
        raise NotLanchat(f"{base}/api/rooms is not lanchat's")
    try:
        known = _get_json(f"{base}/api/hosts", deadline)
    except urllib.error.HTTPError:  # a lanchat from before hosts told each other
        known = {}
    peers = known.get("hosts") if isinstance(known, dict) else None
    return health, rooms, peers if isinstance(peers, list) else []


class HostProber:
    def __init__(self, directory: HostDirectory) -> None:
        self.directory = directory
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

    async def _probe(self, host: KnownHost) -> None:
        try:
            health, rooms, peers = await asyncio.get_running_loop().run_in_executor(self._pool, probe, host)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            if host.live:
                log.info("%s:%s stopped answering: %s", host.address, host.port, exc)
            self.directory.failed(host)
            return
        if self.directory.get(host.address, host.port) is not host:
            return  # withdrawn or forgotten while we asked
        protocol = health.get("protocol")
        instance = health.get("instance")
        self.directory.answered(
            host,
            time.time(),
            name=str(health.get("name") or ""),
            protocol=protocol if isinstance(protocol, int) else None,
            instance=peer_instance(instance),
        )
        host.rooms = peer_rooms(rooms)
        if host.instance == self.directory.own_instance:
            return  # our own list: nothing in it we do not know
        for peer in peers[:MAX_KNOWN_HOSTS]:
            if not isinstance(peer, dict):
                continue
            address, port, name = peer.get("address"), peer.get("port"), peer.get("name")
            if not isinstance(address, str) or isinstance(port, bool) or not isinstance(port, int):
                continue
            entry = self.directory.offer(
                address, port, "peer", time.time(), name=name if isinstance(name, str) else ""
            )
            if entry is not None and entry.last_answered is None:
                self.probe_soon(entry)

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            self.directory.forget_stale(time.time())
            for host in self.directory.entries():
                self.probe_soon(host)
