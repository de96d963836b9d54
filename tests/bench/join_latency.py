"""Time to the first message when a window joins another host: through the pinned gateway, on first
contact and once pinned, against a plain WebSocket straight to the host (what a window did before
the network was encrypted).

    .venv/bin/python tests/bench/join_latency.py              # 30 rounds, about 20 s
    .venv/bin/python tests/bench/join_latency.py --rounds 60

One `lanchat serve` on 127.0.0.1 answers all three (it serves TLS and, to this machine, plain HTTP
on one port). Each round, in turn:
- plain: open ws://HOST/ws/ROOM, send a seed message, wait for it to come back;
- first contact: a new pin store and gateway (desktop/gateway.py), `open` the host (a TLS
  handshake, the key pinned), then the same through the gateway's loopback port;
- pinned: a new gateway over the pin store the first contact filled: `open` checks the key
  against the pin, then the same.
Each new gateway is a new process's worth of state (its thread, its listener), as a window started
again. Prints the median and 90th percentile of each and the ratios to plain.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import websockets

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from desktop.gateway import Gateway  # noqa: E402
from server.tls.pins import PinStore  # noqa: E402
from tests.support.server_process import ServeProcess  # noqa: E402

HOST = "127.0.0.1"  # the benchmark never talks to anything else


async def first_message(base: str, room: str) -> None:
    async with websockets.connect(f"ws://{base}/ws/{room}") as ws:
        await ws.send(json.dumps({"text": "hello", "sender": "bench", "room": room}))
        while json.loads(await ws.recv()).get("text") != "hello":
            pass


def timed_plain(host: str, room: str) -> float:
    started = time.perf_counter()
    asyncio.run(first_message(host, room))
    return time.perf_counter() - started


def timed_gateway(host: str, room: str, pins_folder: Path) -> float:
    started = time.perf_counter()
    gateway = Gateway(PinStore.open_or_set_aside(pins_folder))
    gateway.start()
    try:
        opened = gateway.open(host)
        if "via" not in opened:
            raise RuntimeError(f"the gateway did not open {host}: {opened}")
        asyncio.run(first_message(opened["via"], room))
        return time.perf_counter() - started
    finally:
        gateway.stop()


def summary(name: str, seconds: list[float], plain: float | None) -> str:
    median = statistics.median(seconds) * 1000
    p90 = statistics.quantiles(seconds, n=10)[-1] * 1000
    ratio = f"   {median / plain:5.2f}x plain" if plain else ""
    return f"{name:<14} median {median:7.2f} ms   p90 {p90:7.2f} ms{ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        server = ServeProcess(folder / "host", extra_args=()).start()
        host = f"{HOST}:{server.port}"
        plain: list[float] = []
        first: list[float] = []
        pinned: list[float] = []
        try:
            for round_ in range(args.rounds):
                room = f"bench-{round_}"
                pins = folder / f"pins-{round_}"
                pins.mkdir()
                plain.append(timed_plain(host, room))
                first.append(timed_gateway(host, room, pins))
                pinned.append(timed_gateway(host, room, pins))
        finally:
            server.stop()
    base = statistics.median(plain) * 1000
    print(f"time to the first message, {args.rounds} rounds (same run, same host)")
    print(summary("plain ws", plain, None))
    print(summary("first contact", first, base))
    print(summary("pinned", pinned, base))


if __name__ == "__main__":
    main()
