"""Benchmark: messages stored per second by one node on SQLite and on PostgreSQL, and how long a
node of a cluster takes to catch up after 10 s away from the others, in the same run.

Run by hand from the repository root (not part of the test suite), about three minutes:

    .venv/bin/python tests/bench/cluster_store_and_catch_up.py
    .venv/bin/python tests/bench/cluster_store_and_catch_up.py --rounds 1 --away 3    # a smoke run

`lanchat serve` processes on 127.0.0.1 (discovery off) and a PostgreSQL this script starts in a
temporary folder (Debian's package, durable settings; the nodes connect with
`synchronous_commit=off`, as SQLite's synchronous=NORMAL does not wait for the disk at each commit,
except the row marked durable).

**Stored per second.** One node on SQLite, one on PostgreSQL (and one on PostgreSQL waiting for
each commit's flush). `--writers` v2 clients in a new room each post `--each` messages with a
client_id, one at a time, the next as soon as the `ack` of the last arrives (within the per-
connection burst, so nothing is throttled): messages stored per second is all of them over the
time from the first send to the last ack. Every writer also receives every message (the room's
fan-out is in the figure, as it is for a real post). Rounds alternate the setups; best round.

**Catch-up.** Two nodes on one database: writers on node A post 20 messages/s; `--readers` seed
clients read on node B. B is then taken away for `--away` seconds while A's writers go on, in two
ways, and the writers stop when B comes back:

- *paused*: B gets SIGSTOP, then SIGCONT. Its sockets (to its readers, its listening connection
  to PostgreSQL) stay open; PostgreSQL keeps the notifications for it, the kernel the frames.
- *cut off from the database*: B reaches PostgreSQL through a TCP relay in this script, which
  closes every connection it carries (RST) and refuses new ones for the time away. B's listening
  connection is lost; it connects again every RECONNECT_SECONDS (1 s) and, once it listens,
  reads every followed room from the tables.

Catch-up time: from the moment B is back (SIGCONT sent, relay open again) until every reader on B
has every message posted while it was away (the last one included). Also checked: each reader
got each message once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from load_client import Connection, connect, text_frame  # noqa: E402
from seed_room import close_all, until_all  # noqa: E402

from tests.support.postgres import PostgresCluster, find_postgres_bin, running_cluster  # noqa: E402
from tests.support.server_process import ServeProcess  # noqa: E402

os.environ["LANCHAT_DISCOVERY"] = "off"  # a benchmark must not multicast on this machine's network

NO_FLUSH_WAIT = "?options=-c%20synchronous_commit%3Doff"
PACED_RATE = 20.0  # messages/s while the node is away
PACED_WRITERS = 4  # 5/s each, within the per-connection rate limit
REFILL_SECONDS = 3.5  # a fresh room and fresh connections each round anyway; let the machine settle
TIMEOUT = 120.0


# --- stored per second ---


async def stored_per_second(port: int, room: str, writers: int, each: int) -> float:
    acked: dict[int, asyncio.Future[None]] = {}

    def on_text(connection: Connection, payload: bytes, _: float) -> None:
        if b'"ack"' in payload:
            waiting = acked.get(id(connection))
            if waiting is not None and not waiting.done():
                waiting.set_result(None)

    connections = []
    for n in range(writers):
        connection = await connect(port, f"/ws/{room}?v=2&name=w{n}", offer_deflate=False)
        connection.on_text = on_text
        connections.append(connection)
    await asyncio.sleep(0.5)  # the welcomes and join notices have gone by

    async def write(n: int, connection: Connection) -> None:
        for k in range(each):
            acked[id(connection)] = asyncio.get_running_loop().create_future()
            frame = {"type": "message", "text": f"m {n} {k}", "sender": f"w{n}", "client_id": f"{n}-{k}"}
            connection.send_frame(text_frame(json.dumps(frame).encode()))
            await asyncio.wait_for(acked[id(connection)], 30)

    start = time.perf_counter()
    await asyncio.gather(*(write(n, c) for n, c in enumerate(connections)))
    elapsed = time.perf_counter() - start
    await close_all(connections)
    return writers * each / elapsed


# --- catch-up ---


class Relay:
    """A TCP relay to PostgreSQL that can cut every connection it carries and refuse new ones."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.cut = False
        self._transports: set[asyncio.Transport] = set()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        pair = {writer.transport, up_writer.transport}
        self._transports |= pair  # type: ignore[arg-type]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._transports -= pair  # type: ignore[arg-type]

    def cut_off(self) -> None:
        self.cut = True
        for transport in list(self._transports):
            transport.abort()

    def restore(self) -> None:
        self.cut = False

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


async def catch_up(
    writer_node: ServeProcess,
    reader_node: ServeProcess,
    room: str,
    readers: int,
    away: float,
    take_away: Callable[[], None],
    bring_back: Callable[[], None],
) -> tuple[float, int, bool]:
    """Seconds from B's return until its readers have everything; messages missed; whether each
    reader got each message exactly once."""
    writers = [
        await connect(writer_node.port, f"/ws/{room}?v=2&name=w{n}", offer_deflate=False)
        for n in range(PACED_WRITERS)
    ]
    texts: dict[Connection, list[str]] = {}

    def on_text(connection: Connection, payload: bytes, _: float) -> None:
        texts[connection].append(json.loads(payload)["text"])

    members = []
    for n in range(readers):
        member = await connect(
            reader_node.port, f"/ws/{room}", offer_deflate=False, source=f"127.0.1.{n + 1}"
        )
        texts[member] = []
        member.on_text = on_text
        members.append(member)
    arrived = until_all(members, 1)
    writers[0].send_frame(text_frame(json.dumps({"text": "sync", "sender": "w0", "room": room}).encode()))
    await asyncio.wait_for(arrived, 30)

    sent = 0

    async def post_until(stop: asyncio.Event) -> None:
        nonlocal sent
        begin = time.perf_counter()
        while not stop.is_set():
            delay = begin + sent / PACED_RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = {"text": f"away {sent}", "sender": f"w{sent % PACED_WRITERS}", "room": room}
            writers[sent % PACED_WRITERS].send_frame(text_frame(json.dumps(frame).encode()))
            sent += 1

    take_away()
    stop = asyncio.Event()
    posting = asyncio.create_task(post_until(stop))
    await asyncio.sleep(away)
    stop.set()
    await posting
    await asyncio.sleep(0.2)  # the last posts are stored on A before B comes back
    back = time.perf_counter()
    expected = 1 + sent
    arrived = until_all(members, expected, counted_from_zero=True)
    bring_back()
    await asyncio.wait_for(arrived, TIMEOUT)
    took = max(member.reached_at for member in members) - back
    await asyncio.sleep(0.5)  # anything doubled would arrive now
    wanted = ["sync", *(f"away {k}" for k in range(sent))]
    exact = all(texts[member] == wanted for member in members)
    for member in members:  # say what differed, for one reader
        got = texts[member]
        if got != wanted:
            lost = [text for text in wanted if text not in got]
            twice = sorted({text for text in got if got.count(text) > 1})
            print(f"    one reader: {len(got)} frames; lost {lost[:5]}; twice {twice[:5]}; "
                  f"in order: {[t for t in wanted if t in got] == list(dict.fromkeys(got))}")  # fmt: skip
            break
    await close_all(writers + members)
    return took, sent, exact


async def store_rounds(
    setups: list[tuple[str, ServeProcess]], args: argparse.Namespace
) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {name: [] for name, _ in setups}
    for number in range(args.store_rounds):
        for name, node in setups[number % 3 :] + setups[: number % 3]:
            rates[name].append(await stored_per_second(node.port, f"store-{number}", args.writers, args.each))
            await asyncio.sleep(REFILL_SECONDS)
    return rates


def report_stored(
    setups: list[tuple[str, ServeProcess]], args: argparse.Namespace, rates: dict[str, list[float]]
) -> None:
    base = max(rates[setups[0][0]])
    print(f"stored per second: {args.writers} writers x {args.each} messages, each waiting for its ack; "
          f"best of {args.store_rounds} (all rounds)")  # fmt: skip
    for name, _ in setups:
        best = max(rates[name])
        rounds = ", ".join(f"{rate:,.0f}" for rate in rates[name])
        print(f"  {name:30} {best:8,.0f} /s  {best / base:5.2f}x   ({rounds})")


def start_node(folder: Path, name: str, *extra: str) -> ServeProcess:
    return ServeProcess(folder / name, extra_args=extra).start()


async def run(args: argparse.Namespace, folder: Path, cluster: PostgresCluster) -> None:
    nodes: list[ServeProcess] = []
    relay = Relay(cluster.port)
    await relay.start()
    try:
        sqlite = start_node(folder, "sqlite")
        nowait = start_node(folder, "pg", "--database", cluster.create_database() + NO_FLUSH_WAIT)
        durable = start_node(folder, "pg-durable", "--database", cluster.create_database())
        shared = cluster.create_database()
        node_a = start_node(folder, "a", "--database", shared + NO_FLUSH_WAIT)
        via_relay = shared.replace(f":{cluster.port}/", f":{relay.port}/") + NO_FLUSH_WAIT
        # On a thread: this loop runs the relay the node reaches its database through.
        node_b = await asyncio.to_thread(start_node, folder, "b", "--database", via_relay)
        nodes = [sqlite, nowait, durable, node_a, node_b]

        setups = [
            ("1 node, SQLite", sqlite),
            ("1 node, PostgreSQL", nowait),
            ("1 node, PostgreSQL, durable", durable),
        ]
        if args.store_rounds:
            report_stored(setups, args, await store_rounds(setups, args))
        assert node_b.process is not None
        pid = node_b.process.pid
        ways = [
            ("paused (SIGSTOP, SIGCONT)",
             lambda: os.kill(pid, signal.SIGSTOP), lambda: os.kill(pid, signal.SIGCONT)),
            ("cut off from the database (relay)", relay.cut_off, relay.restore),
        ]  # fmt: skip
        print(f"catch-up after {args.away:g} s away, {PACED_RATE:g} messages/s meanwhile, "
              f"{args.readers} readers on the node:")  # fmt: skip
        for number in range(args.rounds):
            for name, take_away, bring_back in ways:
                took, missed, exact = await catch_up(
                    node_a,
                    node_b,
                    f"away-{number}-{len(name)}",
                    args.readers,
                    args.away,
                    take_away,
                    bring_back,
                )
                print(f"  {name:36} {took:6.2f} s for {missed} messages  "
                      f"{'each once, in order' if exact else 'LOST OR DOUBLED'}")  # fmt: skip
                await asyncio.sleep(REFILL_SECONDS)
    finally:
        for node in nodes:  # on a thread: node B says goodbye to the database through the relay
            await asyncio.to_thread(node.stop)
        relay.cut_off()
        relay.close()
        await asyncio.sleep(0.1)  # the relay's pipes see their ends closed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--store-rounds", type=int, default=None, help="rounds of storing (default: --rounds)"
    )
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--each", type=int, default=25, help="messages per writer (within the burst of 30)")
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--away", type=float, default=10.0, help="seconds the node is away")
    args = parser.parse_args()
    if args.store_rounds is None:
        args.store_rounds = args.rounds
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        print("PostgreSQL is not installed (Debian: apt-get install postgresql)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as temp, running_cluster(bin_dir, durable=True) as cluster:
        asyncio.run(run(args, Path(temp), cluster))
    return 0


if __name__ == "__main__":
    sys.exit(main())
