"""Benchmark: a room's fan-out on one node with SQLite, one node on PostgreSQL, and three nodes on
one PostgreSQL with the readers on other nodes than the writers, in the same run.

Run by hand from the repository root (not part of the test suite), about two minutes:

    .venv/bin/python tests/bench/cluster_fanout.py
    .venv/bin/python tests/bench/cluster_fanout.py --rounds 1 --receivers 20     # a smoke run

Five `lanchat serve` processes run at once on 127.0.0.1 (discovery off): one on SQLite, one on
PostgreSQL, three on another database of the same PostgreSQL (a cluster this script starts in a
temporary folder, Debian's package, the server's own settings but `synchronous_commit=off`, as
SQLite's synchronous=NORMAL does not wait for the disk at each commit). Each setup has a room of
`--receivers` seed clients (spread over nodes 2 and 3 for the cluster) and ten writers (on node 1).
Each round, in a rotating order so that all share whatever else the machine does, every setup gets:

- a burst: each writer sends 15 messages at once (within the rate limit); deliveries/s is every
  reader's frames over the time from the first send to the last frame read;
- paced: 20 messages/s for `--seconds`, as people send them; latency per delivery, from the write
  to the reader's read (p50, p99).

CPU is read from /proc for each node and for all of PostgreSQL's processes over both phases: per
delivery for the nodes (all the setup's nodes together), per stored message for the database.
Deliveries/s is the best round, latencies are pooled over the rounds. Ratios are to one node on
SQLite. This machine has two cores: three nodes share them with PostgreSQL and the clients, so
they cannot be faster here; the CPU per delivery is the figure that carries over to N machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from load_client import Connection, connect  # noqa: E402
from seed_room import close_all, message_frame, until_all  # noqa: E402

from tests.support.postgres import PostgresCluster, find_postgres_bin, running_cluster  # noqa: E402
from tests.support.server_process import ServeProcess  # noqa: E402

os.environ["LANCHAT_DISCOVERY"] = "off"  # a benchmark must not multicast on this machine's network

WRITERS = 10
BURST_EACH = 15  # within RATE_LIMIT_BURST (30): a burst is never throttled
REFILL_SECONDS = 2.0  # a writer's rate limit refills 15 messages in 1.5 s
PACED_RATE = 20.0
TIMEOUT = 120.0


@dataclass
class Setup:
    name: str
    nodes: list[ServeProcess]
    writer_node: ServeProcess
    reader_nodes: list[ServeProcess]
    database: bool  # whether PostgreSQL's CPU counts
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    node_cpu: float = 0.0
    db_cpu: float = 0.0
    deliveries: int = 0
    messages: int = 0
    per_node_cpu: list[float] = field(default_factory=list)


def cpu_of(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def database_cpu(cluster: PostgresCluster) -> float:
    pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    main = psutil.Process(pid)
    total = 0.0
    for process in [main, *main.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


async def open_members(setup: Setup, room: str, receivers: int) -> tuple[list[Connection], list[Connection]]:
    writers = [
        await connect(setup.writer_node.port, f"/ws/{room}", offer_deflate=False) for _ in range(WRITERS)
    ]
    readers = [
        await connect(
            setup.reader_nodes[n % len(setup.reader_nodes)].port, f"/ws/{room}", offer_deflate=False
        )
        for n in range(receivers)
    ]
    # One message all must read: every reader is then surely in the room, on every node.
    arrived = until_all(readers, 1)
    writers[0].send_frame(message_frame("sync", "writer0", room))
    await asyncio.wait_for(arrived, 30)
    return writers, readers


async def one_round(
    setup: Setup, cluster: PostgresCluster, number: int, receivers: int, seconds: float
) -> None:
    room = f"bench-{number}"
    writers, readers = await open_members(setup, room, receivers)
    await asyncio.sleep(REFILL_SECONDS)
    cpus = [cpu_of(node.process.pid) for node in setup.nodes]  # type: ignore[union-attr]
    db_before = database_cpu(cluster)

    # The burst.
    burst = WRITERS * BURST_EACH
    arrived = until_all(readers, burst)
    frames = [
        [message_frame(f"burst {w} {k}", f"writer{w}", room) for k in range(BURST_EACH)]
        for w in range(WRITERS)
    ]
    start = time.perf_counter()
    for k in range(BURST_EACH):
        for w, writer in enumerate(writers):
            writer.send_frame(frames[w][k])
    await asyncio.wait_for(arrived, TIMEOUT)
    last = max(reader.reached_at for reader in readers)
    setup.rates.append(burst * len(readers) / (last - start))
    await asyncio.sleep(REFILL_SECONDS)

    # Paced.
    count = int(PACED_RATE * seconds)
    sent_at: dict[int, float] = {}

    def on_text(_: Connection, payload: bytes, received_at: float) -> None:
        text = json.loads(payload)["text"]
        setup.latencies.append(received_at - sent_at[int(text.rsplit(" ", 1)[1])])

    arrived = until_all(readers, count)
    for reader in readers:
        reader.on_text = on_text
    begin = time.perf_counter() + 0.05
    for k in range(count):
        delay = begin + k / PACED_RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent_at[k] = time.perf_counter()
        writers[k % WRITERS].send_frame(message_frame(f"probe {k}", f"writer{k % WRITERS}", room))
    await asyncio.wait_for(arrived, seconds + TIMEOUT)

    used = [cpu_of(node.process.pid) - before for node, before in zip(setup.nodes, cpus, strict=True)]  # type: ignore[union-attr]
    setup.per_node_cpu = [a + b for a, b in zip(setup.per_node_cpu or [0.0] * len(used), used, strict=True)]
    setup.node_cpu += sum(used)
    if setup.database:
        setup.db_cpu += database_cpu(cluster) - db_before
    setup.deliveries += (burst + count) * len(readers)
    setup.messages += burst + count
    await close_all(writers + readers)


def start_node(folder: Path, name: str, *extra: str) -> ServeProcess:
    return ServeProcess(folder / name, extra_args=extra).start()


async def run(
    setups: list[Setup], cluster: PostgresCluster, rounds: int, receivers: int, seconds: float
) -> None:
    for number in range(rounds):
        order = setups[number % len(setups) :] + setups[: number % len(setups)]
        for setup in order:
            await one_round(setup, cluster, number, receivers, seconds)


def report(setups: list[Setup], receivers: int, rounds: int) -> None:
    base = setups[0]
    base_rate = max(base.rates)
    base_cpu = base.node_cpu / base.deliveries
    print(f"{receivers} readers, {WRITERS} writers, {rounds} rounds; burst {WRITERS * BURST_EACH} messages, "
          f"paced {PACED_RATE:g}/s")  # fmt: skip
    print(f"{'setup':22} {'deliveries/s':>13} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} "
          f"{'node CPU us/deliv':>18} {'ratio':>6} {'DB CPU us/msg':>14}")  # fmt: skip
    base_p99 = statistics.quantiles(base.latencies, n=100)[98]
    for setup in setups:
        rate = max(setup.rates)
        p50 = statistics.median(setup.latencies) * 1e3
        p99 = statistics.quantiles(setup.latencies, n=100)[98]
        cpu = setup.node_cpu / setup.deliveries
        db = f"{setup.db_cpu / setup.messages * 1e6:14.0f}" if setup.database else f"{'-':>14}"
        print(f"{setup.name:22} {rate:13,.0f} {rate / base_rate:5.2f}x {p50:7.2f} {p99 * 1e3:7.2f} "
              f"{p99 / base_p99:5.2f}x {cpu * 1e6:18.1f} {cpu / base_cpu:5.2f}x {db}")  # fmt: skip
    for setup in setups:
        if len(setup.nodes) > 1:
            shares = ", ".join(f"{used / setup.deliveries * 1e6:.1f}" for used in setup.per_node_cpu)
            print(f"{setup.name}: CPU us per delivery by node (writers' node first): {shares}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--receivers", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=5.0, help="paced phase length")
    args = parser.parse_args()
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        print("PostgreSQL is not installed (Debian: apt-get install postgresql)", file=sys.stderr)
        return 1
    nowait = "?options=-c%20synchronous_commit%3Doff"
    with tempfile.TemporaryDirectory() as temp, running_cluster(bin_dir, durable=True) as cluster:
        folder = Path(temp)
        nodes: list[ServeProcess] = []
        try:
            single = start_node(folder, "sqlite")
            one_pg = start_node(folder, "pg", "--database", cluster.create_database() + nowait)
            shared = cluster.create_database() + nowait
            three = [start_node(folder, f"node{n}", "--database", shared) for n in range(3)]
            nodes = [single, one_pg, *three]
            setups = [
                Setup("1 node, SQLite", [single], single, [single], database=False),
                Setup("1 node, PostgreSQL", [one_pg], one_pg, [one_pg], database=True),
                Setup("3 nodes, PostgreSQL", three, three[0], three[1:], database=True),
            ]
            asyncio.run(run(setups, cluster, args.rounds, args.receivers, args.seconds))
        finally:
            for node in nodes:
                node.stop()
    report(setups, args.receivers, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
