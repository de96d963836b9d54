"""Benchmark: one room of N clients against `lanchat serve` and against the textbook server it grew from.

Run by hand from the repository root (not part of the test suite):

    .venv/bin/python tests/bench/bench_server.py            # about 3 minutes
    .venv/bin/python tests/bench/bench_server.py --quick    # about 80 seconds

Each scenario starts a fresh server process (lanchat with a fresh data folder,
then the baseline), runs against it from this process, and stops it; only one
server runs at a time. This process is the client side: one asyncio loop with
lean raw-socket clients (load_client.py), so on a two-core machine the server
gets one core and the clients the other. docs/benchmarks.md explains each
figure.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from load_client import Connection, connect  # noqa: E402
from seed_room import close_all, everyone_in, message_frame, until_all  # noqa: E402

from server.policy import OUTBOX_MAX_BYTES, RATE_LIMIT_BURST, RATE_LIMIT_PER_SECOND  # noqa: E402

HOST = "127.0.0.1"  # the benchmark never talks to anything else
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT = 20.0
# A member sends at most this many frames in one burst, safely under the server's burst allowance.
MAX_BURST_PER_MEMBER = 25
assert MAX_BURST_PER_MEMBER < RATE_LIMIT_BURST


# Clients connect from 127.0.0.10 to 127.0.0.17, round-robin.
SOURCE_BASE = 10
SOURCE_ADDRESSES = 8
# The idle members are spread over this many rooms (a room takes at most 1,024 connections).
IDLE_ROOMS = 4


@dataclass(frozen=True)
class Plan:
    throughput: tuple[tuple[int, int], ...]  # (members, messages) per room size
    throughput_repeats: int
    latency_members: int
    latency_rate: float  # messages per second, whole room
    latency_seconds: float
    idle_connections: int
    idle_history: int  # messages in the room before the idle members join
    stall_members: int
    stall_messages: int
    stall_text_chars: int
    stall_rate: float  # messages per second, whole room
    stall_timeout: float


FULL = Plan(
    # 1,500 messages stays under lanchat's 2,000-frame outbox even if every one queues at once.
    throughput=((100, 1500), (500, 500)),
    throughput_repeats=3,
    latency_members=100,
    latency_rate=20.0,
    latency_seconds=10.0,
    idle_connections=1000,
    idle_history=20,
    # Enough bytes to fill a stalled socket's buffers (about 200 KB) several times over and
    # to pass lanchat's 1 MiB outbox; paced so that healthy readers keep up.
    stall_members=100,
    stall_messages=1200,
    stall_text_chars=1000,
    stall_rate=300.0,
    stall_timeout=30.0,
)
QUICK = Plan(
    throughput=((100, 1000), (500, 250)),
    throughput_repeats=1,
    latency_members=100,
    latency_rate=20.0,
    latency_seconds=4.0,
    idle_connections=500,
    idle_history=20,
    stall_members=100,
    stall_messages=1200,
    stall_text_chars=1000,
    stall_rate=300.0,
    stall_timeout=12.0,
)

# Set once from the command line: whether clients offer permessage-deflate as browsers do,
# and which checkout's lanchat to run (None: this one, through the installed `lanchat` command).
OFFER_DEFLATE = True
LANCHAT_CHECKOUT: Path | None = None
IDLE_MEMORY_ONLY = False


# Servers ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class ServerProcess:
    """One server in its own process, its output in a log file."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind = kind
        self.workdir = workdir
        self.port = 0
        self.popen: subprocess.Popen | None = None
        self.process: psutil.Process | None = None
        # The baseline negotiates permessage-deflate with a browser-like client; lanchat declines it.
        self.history_on_join = kind == "lanchat"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log_path = self.workdir / f"{self.kind}.log"
        if self.kind == "lanchat":
            data = tempfile.mkdtemp(prefix="data-", dir=self.workdir)
            if LANCHAT_CHECKOUT is None:
                command = [str(VENV_BIN / "lanchat"), "serve", "--port", "0", "--data", data]
                cwd = REPO
            else:
                # `lanchat serve` from another checkout (a patched copy), importing its own server/.
                command = [sys.executable, "-m", "desktop.cli", "serve", "--port", "0", "--data", data]
                cwd = LANCHAT_CHECKOUT
        else:
            # Exactly what the tutorial says to run: uvicorn's defaults, nothing tuned.
            self.port = free_port()
            command = [str(VENV_BIN / "uvicorn"), "seed_baseline:app", "--port", str(self.port)]
            cwd = HERE
        with open(log_path, "w") as log:
            self.popen = subprocess.Popen(
                command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT
        marker = "lanchat is serving at http://127.0.0.1:" if self.kind == "lanchat" else "Uvicorn running on"
        while True:
            text = log_path.read_text(errors="replace")
            if marker in text:
                if self.kind == "lanchat":
                    self.port = int(text.split(marker, 1)[1].split("/", 1)[0])
                break
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.kind} did not start; its output:\n{text}")
            time.sleep(0.05)
        self.process = psutil.Process(self.popen.pid)

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    def memory(self) -> tuple[int, int]:
        """(USS, RSS) in bytes."""
        info = self.process.memory_full_info()
        return info.uss, info.rss

    def stop(self, grace: float = 5.0) -> str:
        """SIGTERM, then SIGKILL if it does not exit within `grace` seconds. Says which it took."""
        if self.popen is None or self.popen.poll() is not None:
            return "exited"
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(grace)
            return "stopped"
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)
            return "killed"


# Client helpers -----------------------------------------------------------------


async def open_room(
    port: int, path: str, count: int, *, concurrency: int = 100, **options
) -> list[Connection]:
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> Connection:
        # Spread over loopback addresses: lanchat lets one address hold at most
        # MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS room sockets, and these are many clients.
        source = f"127.0.0.{SOURCE_BASE + index % SOURCE_ADDRESSES}"
        async with gate:
            return await asyncio.wait_for(
                connect(port, path, offer_deflate=OFFER_DEFLATE, source=source, **options), 20
            )

    return list(await asyncio.gather(*(one(index) for index in range(count))))


def spread_senders(members: int, messages: int, usable: range | None = None) -> list[int]:
    """Who sends message k: round-robin, so nobody sends more than ceil(messages/members) at once."""
    senders = list(usable if usable is not None else range(members))
    per_member = -(-messages // len(senders))
    if per_member > MAX_BURST_PER_MEMBER:
        raise ValueError(
            f"{messages} messages over {len(senders)} senders is {per_member} each;"
            f" the rate limit allows a burst of {RATE_LIMIT_BURST}"
        )
    return [senders[k % len(senders)] for k in range(messages)]


def random_text(chars: int) -> str:
    return base64.b64encode(os.urandom(chars))[:chars].decode()


# Scenarios ----------------------------------------------------------------------


@dataclass
class Result:
    values: dict[str, float | str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


async def throughput(server: ServerProcess, members: int, messages: int, repeats: int) -> Result:
    room = f"throughput-{members}"
    connections = await open_room(server.port, f"/ws/{room}", members)
    await everyone_in(connections, room)
    senders = spread_senders(members, messages)
    text = "The quick brown fox jumps over the lazy dog, message number "
    runs = []
    for repeat in range(repeats):
        frames = [message_frame(f"{text}{repeat}-{k}", f"member{senders[k]}", room) for k in range(messages)]
        arrived = until_all(connections, messages)
        cpu_before = server.cpu_seconds()
        client_before = time.process_time()
        started = time.perf_counter()
        for k, frame in enumerate(frames):
            connections[senders[k]].send_frame(frame)
        await asyncio.wait_for(arrived, 120)
        finished = max(c.reached_at for c in connections)
        wall = finished - started
        server_cpu = server.cpu_seconds() - cpu_before
        client_cpu = time.process_time() - client_before
        deliveries = members * messages
        runs.append((deliveries / wall, server_cpu / deliveries, server_cpu / wall, client_cpu / wall))
        # Let the rate limiter refill before the next burst.
        await asyncio.sleep(-(-messages // members) / RATE_LIMIT_PER_SECOND + 0.5)
    await close_all(connections)
    best = max(runs)  # the run least disturbed by the rest of the machine
    result = Result()
    result.values["deliveries/s"] = best[0]
    result.values["server CPU us/delivery"] = best[1] * 1e6
    result.values["server CPU busy %"] = best[2] * 100
    result.values["client CPU busy %"] = best[3] * 100
    if len(runs) > 1:
        result.notes.append("deliveries/s of each run: " + ", ".join(f"{r[0]:,.0f}" for r in runs))
    return result


async def latency(
    server: ServerProcess, members: int, rate: float, seconds: float, room: str | None = None
) -> Result:
    # A room of its own each time: joining one with history, a member's replay would be counted.
    room = room or f"latency-{members}"
    connections = await open_room(server.port, f"/ws/{room}", members)
    await everyone_in(connections, room)
    count = int(rate * seconds)
    senders = spread_senders(members, count)  # at 20/s over 100 members: one message per member per 5 s
    sent_at: dict[int, float] = {}
    latencies: list[float] = []

    def on_text(_: Connection, payload: bytes, received_at: float) -> None:
        text = json.loads(payload)["text"]
        latencies.append(received_at - sent_at[int(text.rsplit(" ", 1)[1])])

    arrived = until_all(connections, count)
    for connection in connections:
        connection.on_text = on_text
    frames = [message_frame(f"latency probe {k}", f"member{senders[k]}", room) for k in range(count)]
    cpu_before = server.cpu_seconds()
    start = time.perf_counter() + 0.1
    for k, frame in enumerate(frames):
        delay = start + k / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent_at[k] = time.perf_counter()
        connections[senders[k]].send_frame(frame)
    await asyncio.wait_for(arrived, seconds + 30)
    server_cpu = server.cpu_seconds() - cpu_before
    await close_all(connections)
    latencies.sort()
    result = Result()
    result.values["p50 ms"] = statistics.median(latencies) * 1e3
    result.values["p99 ms"] = latencies[int(len(latencies) * 0.99)] * 1e3
    result.values["max ms"] = latencies[-1] * 1e3
    result.values["server CPU us/delivery"] = server_cpu / len(latencies) * 1e6
    return result


async def idle_memory(server: ServerProcess, count: int, history: int) -> Result:
    rooms = [f"idle-{number}" for number in range(IDLE_ROOMS)]
    # A first member per room fills its history (within its burst) and warms the server up.
    writers = [(await open_room(server.port, f"/ws/{room}", 1))[0] for room in rooms]
    for writer, room in zip(writers, rooms, strict=True):
        arrived = until_all([writer], history)
        for k in range(history):
            writer.send_frame(message_frame(f"history message {k}", "writer", room))
        await asyncio.wait_for(arrived, 10)
    await asyncio.sleep(1.0)
    uss_before, rss_before = server.memory()
    # v=2 as the lanchat UI connects (no name, so no presence storm): history replay, then welcome.
    on_join = history + 1 if server.history_on_join else 0
    idle: list[Connection] = []
    for batch in range(0, count, 100):
        room = rooms[batch // 100 % len(rooms)]  # spread over the rooms (and, by open_room, addresses)
        opened = await open_room(server.port, f"/ws/{room}?v=2", min(100, count - batch))
        await asyncio.wait_for(until_all(opened, on_join, counted_from_zero=True), 30)
        idle.extend(opened)
    await asyncio.sleep(2.0)  # let the server settle (timers, freed handshake buffers)
    uss_after, rss_after = server.memory()
    await close_all([*idle, *writers])
    result = Result()
    result.values["USS KiB/connection"] = (uss_after - uss_before) / count / 1024
    result.values["RSS KiB/connection"] = (rss_after - rss_before) / count / 1024
    return result


async def stalled_reader(
    server: ServerProcess,
    members: int,
    messages: int,
    text_chars: int,
    rate: float,
    timeout: float,
    stall: bool,
) -> Result:
    """`members` in a room, member 0 stops reading (when `stall`).

    The others must all get `messages`, sent at `rate`.
    """
    room = f"stall-{members}"
    # Member 0 is a slow phone on a poor link: a small receive buffer and small segments. Otherwise
    # loopback's 64 KiB segments let the server's kernel buffer grow to 4 MiB before anything blocks.
    first = await connect(server.port, f"/ws/{room}", rcvbuf=4096, maxseg=536, offer_deflate=OFFER_DEFLATE)
    connections = [first] + await open_room(server.port, f"/ws/{room}", members - 1)
    await everyone_in(connections, room)
    others = connections[1:]
    senders = spread_senders(members, messages, range(1, members))
    # Fresh random text per message: deflate (with its 4 KiB window) cannot shrink it much.
    frames = [
        message_frame(f"{random_text(text_chars)} {k}", f"member{senders[k]}", room) for k in range(messages)
    ]
    if stall:
        first.stop_reading()
    arrived = until_all(others, messages)
    first.target = -1
    started = time.perf_counter()
    for k, frame in enumerate(frames):
        delay = started + k / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        connections[senders[k]].send_frame(frame)
    result = Result()
    try:
        await asyncio.wait_for(asyncio.shield(arrived), max(0.0, started + timeout - time.perf_counter()))
        result.values["others finish s"] = max(c.reached_at for c in others) - started
    except TimeoutError:
        got = sum(c.texts for c in others)
        result.values["others finish s"] = "DNF"
        result.notes.append(
            f"not done in {timeout:.0f} s: {got:,} of {len(others) * messages:,} deliveries made"
        )
    if stall:
        first.resume_reading()
        try:
            code = await asyncio.wait_for(asyncio.shield(first.closed), 3)
            result.notes.append(f"the stalled member was closed with code {code}")
        except TimeoutError:
            result.notes.append(
                f"the stalled member is still connected ({first.texts} frames read after resuming)"
            )
    await close_all(connections, timeout=1.0)
    return result


# Running and printing ---------------------------------------------------------------


async def run_on_both(
    workdir: Path, label: str, scenario: Callable[[ServerProcess], Awaitable[Result]], *, stall: bool = False
) -> dict[str, Result]:
    results = {}
    for kind in ("lanchat", "baseline"):
        server = ServerProcess(kind, workdir / label / kind)
        try:
            server.start()
            print(f"  {label}: {kind} ...", end="", flush=True)
            started = time.perf_counter()
            # The client process's own garbage collection would show up as server latency, and
            # land on whichever server happens to be measured then: collect first, pause it
            # for the (bounded) scenario.
            gc.collect()
            gc.disable()
            try:
                results[kind] = await scenario(server)
            finally:
                gc.enable()
            print(f" {time.perf_counter() - started:.1f} s", flush=True)
        finally:
            # A baseline wedged behind a stalled reader may not stop on SIGTERM: then it is killed.
            how = server.stop(grace=3.0 if stall else 5.0)
            if how == "killed":
                results.setdefault(kind, Result()).notes.append(
                    "the server did not stop on SIGTERM and was killed"
                )
    return results


async def main(plan: Plan, workdir: Path) -> None:
    notes: list[str] = []

    def note(label: str, results: dict[str, Result]) -> None:
        for kind, result in results.items():
            notes.extend(f"{label} ({kind}): {text}" for text in result.notes)

    print("running (each scenario against a fresh lanchat, then a fresh baseline):", flush=True)
    memory = await run_on_both(
        workdir, "idle-memory", lambda s: idle_memory(s, plan.idle_connections, plan.idle_history)
    )
    note("idle memory", memory)
    if IDLE_MEMORY_ONLY:
        lan, base = memory["lanchat"].values, memory["baseline"].values
        print(f"memory: {plan.idle_connections:,} idle connections over {IDLE_ROOMS} rooms")
        for figure in ("USS KiB/connection", "RSS KiB/connection"):
            print(
                f"  {figure:20} lanchat {lan[figure]:6.1f}  baseline {base[figure]:6.1f}"
                f"  lanchat/baseline {lan[figure] / base[figure]:.2f}x"
            )
        return
    throughput_results = {}
    for members, messages in plan.throughput:
        throughput_results[members] = await run_on_both(
            workdir,
            f"throughput-{members}",
            lambda s, m=members, n=messages: throughput(s, m, n, plan.throughput_repeats),
        )
        note(f"throughput {members}", throughput_results[members])
    lat = await run_on_both(
        workdir,
        "latency",
        lambda s: latency(s, plan.latency_members, plan.latency_rate, plan.latency_seconds),
    )
    note("latency", lat)
    stall_args = (
        plan.stall_members,
        plan.stall_messages,
        plan.stall_text_chars,
        plan.stall_rate,
        plan.stall_timeout,
    )
    unstalled = await run_on_both(workdir, "no-stall", lambda s: stalled_reader(s, *stall_args, stall=False))
    note("no stalled reader", unstalled)
    stalled = await run_on_both(
        workdir, "stall", lambda s: stalled_reader(s, *stall_args, stall=True), stall=True
    )
    note("one stalled reader", stalled)

    table = Table()
    for members, messages in plan.throughput:
        lan, base = (
            throughput_results[members]["lanchat"].values,
            throughput_results[members]["baseline"].values,
        )
        table.section(f"throughput: {members} members, {messages:,} messages in one burst")
        r = ratio(lan["deliveries/s"], base["deliveries/s"])
        table.row(
            "deliveries/s",
            lan["deliveries/s"],
            base["deliveries/s"],
            ">= 2x baseline",
            r is not None and r >= 2,
        )
        for key in ("server CPU us/delivery", "server CPU busy %", "client CPU busy %"):
            table.row(key, lan[key], base[key])

    lan, base = lat["lanchat"].values, lat["baseline"].values
    table.section(
        f"latency: {plan.latency_members} members, {plan.latency_rate:g} msg/s for {plan.latency_seconds:g} s"
    )
    table.row("p50 ms", lan["p50 ms"], base["p50 ms"])
    r = ratio(lan["p99 ms"], base["p99 ms"])
    table.row("p99 ms", lan["p99 ms"], base["p99 ms"], "<= 0.8x baseline", r is not None and r <= 0.8)
    table.row("max ms", lan["max ms"], base["max ms"])
    table.row("server CPU us/delivery", lan["server CPU us/delivery"], base["server CPU us/delivery"])

    lan, base = memory["lanchat"].values, memory["baseline"].values
    table.section(f"memory: {plan.idle_connections:,} idle connections over {IDLE_ROOMS} rooms")
    uss = lan["USS KiB/connection"]
    table.row("USS KiB/connection", uss, base["USS KiB/connection"], "<= 16 KiB", uss <= 16)
    table.row("RSS KiB/connection", lan["RSS KiB/connection"], base["RSS KiB/connection"])

    table.section(
        f"stalled reader: {plan.stall_members} members,"
        f" {plan.stall_messages:,} msgs of {plan.stall_text_chars:,} chars"
        f" at {plan.stall_rate:g}/s (sending takes {plan.stall_messages / plan.stall_rate:g} s)"
    )
    without = unstalled["lanchat"].values["others finish s"]
    with_stall = stalled["lanchat"].values["others finish s"]
    table.row("nobody stalled: others finish s", without, unstalled["baseline"].values["others finish s"])
    fine = (
        isinstance(with_stall, float) and isinstance(without, float) and with_stall <= without * 1.25 + 0.25
    )
    table.row(
        "one stalled: others finish s",
        with_stall,
        stalled["baseline"].values["others finish s"],
        "as without",
        fine,
    )
    table.print()

    print()
    print("lanchat: `lanchat serve` (declines permessage-deflate, see server/runner.py).")
    print(
        "baseline: seed_baseline.py under `uvicorn seed_baseline:app` defaults;"
        " it accepts permessage-deflate,"
    )
    print("  so when clients offer it every send is compressed once per member: part of the difference.")
    print(
        "clients: "
        + (
            "offer permessage-deflate as browsers do"
            if OFFER_DEFLATE
            else "do not offer permessage-deflate (--no-deflate)"
        )
        + "; seed protocol everywhere except idle memory (v=2, no name: history then welcome)."
    )
    print(
        f"senders: round-robin over the members, each at most {MAX_BURST_PER_MEMBER} messages per burst "
        f"(the server allows {RATE_LIMIT_BURST}, then {RATE_LIMIT_PER_SECOND:g}/s);"
        " latency and stall runs are paced."
    )
    print(
        f"stalled: lanchat closes (4008) a member whose outbox passes {OUTBOX_MAX_BYTES // 1024} KiB;"
        f" DNF = not done in {plan.stall_timeout:g} s;"
        " target: within 1.25x + 0.25 s of lanchat's own unstalled time."
    )
    for text in notes:
        print(f"note: {text}")


def ratio(a: float | str, b: float | str) -> float | None:
    if isinstance(a, str) or isinstance(b, str) or b == 0:
        return None
    return a / b


def fmt(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


class Table:
    def __init__(self) -> None:
        self.lines: list[tuple[str, ...]] = []

    def section(self, title: str) -> None:
        self.lines.append((title,))

    def row(
        self,
        label: str,
        lanchat: float | str,
        baseline: float | str,
        target: str = "",
        met: bool | None = None,
    ) -> None:
        r = ratio(lanchat, baseline)
        verdict = "" if not target else f"{target}: {'met' if met else 'MISSED'}"
        self.lines.append(
            (f"  {label}", fmt(lanchat), fmt(baseline), f"{r:.2f}x" if r is not None else "-", verdict)
        )

    def print(self) -> None:
        width = max(len(line[0]) for line in self.lines if len(line) > 1)
        print()
        print(f"{'':{width}}  {'lanchat':>10}  {'baseline':>10}  {'lanchat/base':>12}  target")
        for line in self.lines:
            if len(line) == 1:
                print(line[0])
            else:
                label, lan, base, r, verdict = line
                print(f"{label:{width}}  {lan:>10}  {base:>10}  {r:>12}  {verdict}".rstrip())


def cli() -> None:
    global OFFER_DEFLATE, LANCHAT_CHECKOUT, IDLE_MEMORY_ONLY
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smaller rooms and shorter runs (about 80 seconds)"
    )
    parser.add_argument(
        "--no-deflate",
        action="store_true",
        help="clients do not offer permessage-deflate (isolates the fan-out design from compression)",
    )
    parser.add_argument(
        "--lanchat-checkout",
        type=Path,
        metavar="DIR",
        help="run lanchat from this checkout instead (to measure a patched copy against the same baseline)",
    )
    parser.add_argument(
        "--idle-memory", action="store_true", help="only the idle-memory scenario (about 30 seconds)"
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    IDLE_MEMORY_ONLY = args.idle_memory
    OFFER_DEFLATE = not args.no_deflate
    LANCHAT_CHECKOUT = args.lanchat_checkout.resolve() if args.lanchat_checkout else None
    print(
        f"lanchat benchmark ({'quick' if args.quick else 'full'}),"
        f" {os.cpu_count()} CPUs, python {sys.version.split()[0]}"
    )
    if LANCHAT_CHECKOUT is not None:
        print(f"lanchat from {LANCHAT_CHECKOUT}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lanchat-bench-") as workdir:
        try:
            import uvloop
        except ImportError:
            asyncio.run(main(plan, Path(workdir)))
        else:
            uvloop.run(main(plan, Path(workdir)))
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    cli()
