"""Read receipts in a big room: what each member is sent about others' reading, and what it costs the host.

    .venv/bin/python tests/bench/receipts_load.py     # about 30 seconds; lanchat from this checkout

One `lanchat serve` (fresh data folder, discovery off) on 127.0.0.1 and a room of MEMBERS v2
members, each with an identity (a hello, receipts on), as the UI joins. For SECONDS, MESSAGES_PER_SECOND
messages a second are posted (by POSTERS members, in turn) and every member says `seen` once a second
with the newest position it was acknowledged, as the UI does while the room is open and in view.
It prints the receipt frames (`seen` or `receipts`) each member received per second, the most
any member received, and the server's CPU time per second of the run (psutil). Members connect
from several loopback addresses, as one address may hold only 512 room sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from load_client import Connection, connect, text_frame  # noqa: E402

from tests.support.server_process import ServeProcess  # noqa: E402

MEMBERS = 500
MESSAGES_PER_SECOND = 5
POSTERS = 5
SECONDS = 10
ROOM = "readers"
SOURCES = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
RECEIPT_PREFIXES = (b'{"type":"seen"', b'{"type":"receipts"')


class Reader:
    """One member: counts the receipt frames it gets, and keeps the newest id it was acknowledged."""

    latest = 0  # the newest message id any member was acknowledged: what everyone has seen

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.receipts = 0
        connection.on_text = self.heard

    def heard(self, _: Connection, payload: bytes, __: float) -> None:
        if payload.startswith(RECEIPT_PREFIXES):
            self.receipts += 1
        elif payload.startswith(b'{"type":"ack"'):
            Reader.latest = max(Reader.latest, json.loads(payload)["id"])

    def send(self, frame: dict[str, object]) -> None:
        self.connection.send_frame(text_frame(json.dumps(frame).encode()))


async def join(port: int, number: int) -> Reader:
    connection = await connect(
        port, f"/ws/{ROOM}?v=2&name=r{number}", offer_deflate=False, source=SOURCES[number % len(SOURCES)]
    )
    reader = Reader(connection)
    reader.send({"type": "hello", "secret": f"reader-secret-{number:012d}-padding"})
    return reader


async def run(port: int, server: psutil.Process, members: int, seconds: int) -> None:
    readers = [await join(port, number) for number in range(members)]
    await asyncio.sleep(2)  # everyone's hello answered, the presence frames settled
    for reader in readers:
        reader.receipts = 0
    cpu = server.cpu_times()
    started = time.monotonic()
    tick = 1.0 / MESSAGES_PER_SECOND
    share = members / MESSAGES_PER_SECOND  # members saying seen at each tick: each once a second
    for step in range(seconds * MESSAGES_PER_SECOND):
        poster = step % POSTERS
        readers[poster].send({"text": f"message {step}", "sender": f"r{poster}", "client_id": f"c{step}"})
        if Reader.latest:
            first = int((step % MESSAGES_PER_SECOND) * share)
            for reader in readers[first : int(first + share)]:
                reader.send({"type": "seen", "id": Reader.latest})
        await asyncio.sleep(max(0.0, started + (step + 1) * tick - time.monotonic()))
    await asyncio.sleep(1.5)  # what the last second set moving arrives
    elapsed = time.monotonic() - started
    after = server.cpu_times()
    used = (after.user + after.system) - (cpu.user + cpu.system)
    counts = sorted(reader.receipts for reader in readers)
    print(f"room of {members} members, {MESSAGES_PER_SECOND} messages/s, everyone says seen once a second:")
    print(
        f"  receipt frames per member per second: {sum(counts) / len(counts) / elapsed:.2f} (mean),"
        f" {counts[-1] / elapsed:.2f} (most)"
    )
    print(f"  receipt frames sent in all per second: {sum(counts) / elapsed:,.0f}")
    print(f"  server CPU: {used / elapsed:.1%} of one core over {elapsed:.1f} s")
    for reader in readers:
        reader.connection.abort()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--seconds", type=int, default=SECONDS)
    args = parser.parse_args()
    os.environ["LANCHAT_DISCOVERY"] = "off"
    with tempfile.TemporaryDirectory(prefix="lanchat-receipts-") as workdir:
        server = ServeProcess(Path(workdir) / "data").start()
        try:
            assert server.process is not None
            asyncio.run(run(server.port, psutil.Process(server.process.pid), args.members, args.seconds))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
