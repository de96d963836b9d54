"""Benchmark: what one address's flood of half-sent requests or idle room sockets does to everyone
else, before and after the per-address caps and the request-head deadline (issue 12, item 3).

Run by hand from the repository root (about 50 s; talks to 127.0.0.1 and 127.0.0.2 only):

    .venv/bin/python tests/bench/connection_flood.py                  # against 6336fcd
    .venv/bin/python tests/bench/connection_flood.py --against e4f8a82  # or any other commit

Each server is `lanchat serve` started with the usual soft open-file limit (1,024): the commit
given (default 6336fcd, the last one before the server raised that limit) in a temporary git
worktree, then this checkout. From 127.0.0.1 the benchmark opens 1,030 connections that each send
half a request, then 1,007 room sockets that stay idle; meanwhile another client, 127.0.0.2, asks
GET /api/health and joins a room.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field

import psutil
from serve_checkout import (
    OTHER_CLIENT,
    REPO_ROOT,
    Serve,
    health_probe,
    raise_own_file_limit,
    temporary_checkout,
)

HALF_SENT = 1030
IDLE_SOCKETS = 1007
CONNECT_TIMEOUT = 3.0
PROBE_TIMEOUT = 5.0
DEFAULT_BEFORE = "6336fcd"
HEAD_DEADLINE_CHECK = 11.0  # seconds after the flood started: past REQUEST_HEAD_TIMEOUT_SECONDS


@dataclass
class Seen:
    """What one flood connection received so far, and whether the server closed it."""

    received: bytes = b""
    closed: bool = False
    failed: bool = False


@dataclass
class Flood:
    connections: list[Seen] = field(default_factory=list)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def outcome(seen: Seen) -> str:
    if seen.failed:
        return "connect failed"
    if not seen.received:
        return "closed without an answer" if seen.closed else "held, no answer"
    if seen.received.startswith(b"HTTP/1.1 101"):
        if b"too_many_connections" in seen.received:
            return "101, then error frame + close 4029"
        return "101, held open"
    return "answered " + seen.received.split(b"\r\n", 1)[0].decode(errors="replace")


def outcomes(flood: Flood) -> Counter[str]:
    return Counter(outcome(seen) for seen in flood.connections)


def half_request() -> bytes:
    return b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never-Ends: "


def handshake(port: int) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /ws/flood HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


async def watch(reader: asyncio.StreamReader, seen: Seen) -> None:
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(4096):
            seen.received += chunk
    seen.closed = True


async def open_flood(port: int, count: int, kind: str) -> Flood:
    flood = Flood()
    gate = asyncio.Semaphore(200)

    async def one() -> None:
        seen = Seen()
        flood.connections.append(seen)
        async with gate:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.1", 0)), CONNECT_TIMEOUT
                )
            except (OSError, TimeoutError):
                seen.failed = True
                return
            writer.write(half_request() if kind == "http" else handshake(port))
            flood.writers.append(writer)
            flood.tasks.append(asyncio.create_task(watch(reader, seen)))

    await asyncio.gather(*(one() for _ in range(count)))
    return flood


async def end_flood(flood: Flood) -> None:
    for task in flood.tasks:
        task.cancel()
    await asyncio.gather(*flood.tasks, return_exceptions=True)
    for writer in flood.writers:
        writer.transport.abort()


async def probe() -> float | None:
    return await asyncio.to_thread(health_probe, PORT[0], PROBE_TIMEOUT)


async def join_probe(port: int) -> float | None:
    """Seconds for another address's room socket to be answered 101; None for no answer."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=(OTHER_CLIENT, 0)), PROBE_TIMEOUT
        )
        writer.write(handshake(port))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), PROBE_TIMEOUT)
        writer.transport.abort()
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        return None
    return time.monotonic() - started if head.startswith(b"HTTP/1.1 101") else None


PORT = [0]  # the server being measured, for the probe thread


def shown(seconds: float | None) -> str:
    return f"no answer in {PROBE_TIMEOUT:g} s" if seconds is None else f"{seconds * 1000:.1f} ms"


def outcomes_line(outcomes: Counter[str]) -> str:
    return ", ".join(f"{count} {what}" for what, count in outcomes.most_common())


async def measure(server: Serve) -> dict[str, str]:
    PORT[0] = server.port
    process = psutil.Process(server.process.pid) if server.process else None
    figures: dict[str, str] = {"health, nobody flooding": shown(await probe())}
    for kind, count in (("http", HALF_SENT), ("ws", IDLE_SOCKETS)):
        name = f"{count:,} half-sent requests" if kind == "http" else f"{count:,} idle room sockets"
        started = time.monotonic()
        flood = await open_flood(server.port, count, kind)
        await asyncio.sleep(1.0)  # let the server answer or refuse what it will
        figures[f"{name}: server open files"] = str(process.num_fds()) if process else "?"
        figures[f"{name}: health from {OTHER_CLIENT}"] = shown(await probe())
        figures[f"{name}: room join from {OTHER_CLIENT}"] = shown(await join_probe(server.port))
        figures[f"{name}: what the flood got in 1 s"] = outcomes_line(outcomes(flood))
        if kind == "http":
            # The deadline for request heads is 10 s: who is still holding a connection after it?
            await asyncio.sleep(HEAD_DEADLINE_CHECK - (time.monotonic() - started))
            figures[f"{name}: what the flood got in {HEAD_DEADLINE_CHECK:g} s"] = outcomes_line(
                outcomes(flood)
            )
        await end_flood(flood)
        await asyncio.sleep(1.5)  # asyncio retries a failed accept after 1 s
        figures[f"{name}: health after the flood let go"] = shown(await probe())
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", default=DEFAULT_BEFORE, metavar="REV", help="the commit to compare with")
    args = parser.parse_args()
    raise_own_file_limit()
    results: dict[str, dict[str, str]] = {}
    with temporary_checkout(args.against) as before:
        for label, checkout in ((f"before ({args.against})", before), ("after (this checkout)", REPO_ROOT)):
            print(f"measuring {label} ...", flush=True)
            with Serve(checkout, label) as server:
                results[label] = asyncio.run(measure(server))
    labels = list(results)
    rows = list(results[labels[0]])
    width = max(len(row) for row in rows)
    print()
    for label in labels:
        print(f"## {label}")
        for row in rows:
            print(f"  {row:<{width}}  {results[label].get(row, '-')}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main())
