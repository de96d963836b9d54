"""Benchmark: one peer on the network writing and making rooms as fast as it can, before and after
the limits of issue 14 item 6 (rooms per server, frames per address, history kept, paged rooms).

Run by hand from the repository root, as root (about 50 s):

    .venv/bin/python tests/bench/limits_flood.py                  # against adc7436
    .venv/bin/python tests/bench/limits_flood.py --against REV

The per-address limits are for peers on the network, so the peer is one: two network namespaces
joined by a veth pair (10.215.0.1, the server's; 10.215.0.2, the peer's), nothing else. The server
is `lanchat serve --host 0.0.0.0` inside its namespace, from the commit given (default adc7436,
the last one before these limits) in a temporary git worktree, then from this checkout. From the
peer's namespace: 50 connections send 4,000-character messages as fast as they can for 10 s,
then new rooms are made (join, one message, leave; 20 at once) for 10 s. Meanwhile the server's
own loopback (another address) asks /api/health every 100 ms.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from serve_checkout import REPO_ROOT, Serve, temporary_checkout

sys.path.insert(0, str(REPO_ROOT))

from tests.support.netns import Network, namespaces_problem

SERVER_ADDRESS = "10.215.0.1"
PEER_ADDRESS = "10.215.0.2"
DEFAULT_BEFORE = "adc7436"
WRITE_SECONDS = 10.0
ROOM_SECONDS = 10.0

PEER = """
import asyncio, json, sys, time
import websockets
from server.tls.contexts import client_context

base, write_seconds, room_seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
TEXT = "x" * 4000
# A host from before TLS is reached over ws://, one since over wss:// (no pin: a benchmark).
tls = {"ssl": client_context()} if base.startswith("wss://") else {}

async def writer(index, until, counts):
    try:
        async with websockets.connect(f"{base}/ws/flood-{index}", max_queue=None, **tls) as ws:
            async def drain():
                async for _ in ws:
                    pass
            reading = asyncio.create_task(drain())
            while time.monotonic() < until:
                await ws.send(json.dumps({"text": TEXT, "sender": f"Flooder {index}"}))
                counts["sent"] += 1
                await asyncio.sleep(0)
            reading.cancel()
    except websockets.ConnectionClosed:
        counts["closed"] += 1  # refused: a new room past the address's share

async def room_maker(until, counts, gate):
    while time.monotonic() < until:
        async with gate:
            number = counts["rooms"] = counts["rooms"] + 1
            try:
                async with websockets.connect(f"{base}/ws/made-{number}", open_timeout=5, **tls) as ws:
                    await ws.send(json.dumps({"text": "hi", "sender": "Maker"}))
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    counts["refused" if frame.get("type") == "error" else "made"] += 1
            except Exception:
                counts["refused"] += 1

async def main():
    writes = {"sent": 0, "closed": 0}
    until = time.monotonic() + write_seconds
    await asyncio.gather(*(writer(i, until, writes) for i in range(50)))
    rooms = {"rooms": 0, "made": 0, "refused": 0}
    gate = asyncio.Semaphore(20)
    until = time.monotonic() + room_seconds
    await asyncio.gather(*(room_maker(until, rooms, gate) for _ in range(20)))
    print(json.dumps({"sent": writes["sent"], "closed": writes["closed"], "rooms_tried": rooms["rooms"]}))

asyncio.run(main())
"""

PROBE = """
import sys, time, urllib.request
port, seconds = int(sys.argv[1]), float(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
worst, failed, until = 0.0, 0, time.monotonic() + seconds
while time.monotonic() < until:
    started = time.monotonic()
    try:
        opener.open(f"http://127.0.0.1:{port}/api/health", timeout=5).read()
        worst = max(worst, time.monotonic() - started)
    except Exception:
        failed += 1
    time.sleep(0.1)
print(worst, failed)
"""


def in_ns(ns: str, code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["ip", "netns", "exec", ns, sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def rooms_answer(ns: str, port: int) -> tuple[int, int, float]:
    """GET /api/rooms as a browser would ask it (no parameters): bytes, rooms listed, seconds."""
    code = (
        "import json, sys, time, urllib.request\n"
        "o = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n"
        "t = time.monotonic(); body = o.open(sys.argv[1], timeout=10).read()\n"
        "print(len(body), len(json.loads(body)['rooms']), time.monotonic() - t)\n"
    )
    out = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-c", code, f"http://127.0.0.1:{port}/api/rooms"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.split()
    return int(out[0]), int(out[1]), float(out[2])


def history_on_disk(data: Path) -> tuple[float, int, int]:
    """MiB of the history files, messages kept and rooms, read once the server has stopped."""
    files = sum(path.stat().st_size for path in data.glob("history.sqlite3*"))
    with sqlite3.connect(data / "history.sqlite3") as db:
        messages, rooms = db.execute("SELECT COUNT(*), COUNT(DISTINCT room) FROM messages").fetchone()
    return files / 2**20, messages, rooms


def measure(server: Serve, server_ns: str, peer_ns: str) -> dict[str, str]:
    probe = in_ns(server_ns, PROBE, str(server.port), str(WRITE_SECONDS + ROOM_SECONDS))
    scheme = "wss" if server.speaks_tls else "ws"
    base = f"{scheme}://{SERVER_ADDRESS}:{server.port}"
    peer = in_ns(peer_ns, PEER, base, str(WRITE_SECONDS), str(ROOM_SECONDS))
    peer_out, peer_err = peer.communicate(timeout=90)
    probe_out, _ = probe.communicate(timeout=30)
    if peer.returncode != 0:
        raise RuntimeError(f"the peer failed: {peer_err}")
    flood = json.loads(peer_out)
    size, listed, seconds = rooms_answer(server_ns, server.port)
    worst, failed = probe_out.split()
    assert server.process is not None
    server.process.terminate()  # SIGTERM: the history is flushed and checkpointed
    server.process.wait(15)
    mib, messages, rooms = history_on_disk(server.data)
    return {
        # What the peer's sockets took, not what the server read: a paused reader's kernel buffers fill.
        "messages the peer wrote in 10 s (50 connections)": f"{flood['sent']:,}",
        "of the 50 connections, closed by the server": f"{flood['closed']:,}",
        "history on disk after it all (MiB)": f"{mib:.1f}",
        "messages kept": f"{messages:,}",
        "rooms the peer tried to make in 10 s": f"{flood['rooms_tried']:,}",
        "rooms kept": f"{rooms:,}",
        "GET /api/rooms: bytes / rooms listed / seconds": f"{size:,} / {listed:,} / {seconds:.3f}",
        "slowest /api/health from another address during it (ms)": f"{float(worst) * 1000:.0f}"
        + (f" ({failed} failed)" if int(failed) else ""),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", default=DEFAULT_BEFORE, metavar="REV", help="the commit to compare with")
    args = parser.parse_args()
    problem = namespaces_problem()
    if problem:
        print(f"cannot run: {problem}", file=sys.stderr)
        return 1
    net = Network(str(int(time.time()) % 100000), prefix="lclim")
    figures: dict[str, dict[str, str]] = {}
    try:
        server_ns, peer_ns = net.namespace("s"), net.namespace("p")
        net.link(server_ns, SERVER_ADDRESS, peer_ns, PEER_ADDRESS, 24)
        with temporary_checkout(args.against) as before:
            for label, checkout in ((f"before ({args.against})", before), ("after", REPO_ROOT)):
                print(f"measuring {label} ...", flush=True)
                prefix = ("ip", "netns", "exec", server_ns)
                with Serve(checkout, label, host="0.0.0.0", prefix=prefix) as server:
                    figures[label] = measure(server, server_ns, peer_ns)
    finally:
        net.close()
    before_label, after_label = figures
    width = max(len(row) for row in figures[before_label])
    print(f"\n{'':<{width}}  {before_label:>24}  {after_label:>24}")
    for row, old in figures[before_label].items():
        print(f"{row:<{width}}  {old:>24}  {figures[after_label][row]:>24}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
