"""What TLS costs lanchat: the same server over wss:// and https:// against ws:// and http://.

    .venv/bin/python tests/bench/tls_overhead.py            # about 3 minutes
    .venv/bin/python tests/bench/tls_overhead.py --quick    # about a minute

Every listener serves TLS and (to this machine) plain HTTP on one port, so one `lanchat serve` on
127.0.0.1 answers both sides of each comparison in the same run:
- fan-out: a room of N seed clients over plain WebSocket and another of N over TLS (lean clients,
  load_client.py, with Python's ssl on the client side), bursts taken in turn; deliveries/s (best
  burst) and the server's CPU per delivery, for rooms of 100 and 500;
- files: curl uploads (tus PATCH) and downloads of the same file over https (-k) and http, and
  the CPU seconds per GiB of each, the server's and curl's: on a machine whose cores are busy the
  two share them, so a transfer's speed follows the sum;
- memory: the server's resident set per idle room connection, TLS against plain (each measured on
  a fresh server, since a process's RSS does not shrink when connections close);
- the records alone: the CPU per GiB of what TLS adds to a download whatever carries it, this
  host's certificate and TLS 1.3 in memory (SSLObject.write of 1 MiB, the records read out, as
  asyncio's TLS protocol does for each chunk), no socket and no HTTP.
Prints each side and the ratio TLS/plain; docs/benchmarks.md keeps the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import resource
import socket
import ssl
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from file_transfer import MIB, WRITE_OUT, curl, lanchat_upload, make_file  # noqa: E402
from load_client import Connection  # noqa: E402
from seed_room import close_all, everyone_in, message_frame, until_all  # noqa: E402

from server.tls.contexts import client_context, server_context  # noqa: E402
from server.tls.host_identity import load_or_create  # noqa: E402
from tests.support.server_process import ServeProcess  # noqa: E402

HOST = "127.0.0.1"  # the benchmark never talks to anything else
# Clients connect from 127.0.0.10 to 127.0.0.17, round-robin: one address holds at most 512 room
# sockets on loopback, and the two rooms of 500 need 1,000.
SOURCES = [f"127.0.0.{10 + k}" for k in range(8)]
BURST_TIMEOUT = 90.0
PLAIN, TLS = "plain", "TLS"


@dataclass(frozen=True)
class Plan:
    rooms: tuple[tuple[int, int], ...]  # (members, messages per burst)
    bursts: int  # per room and transport; the best is kept
    file_mib: int
    file_runs: int
    idle: int  # idle connections for the memory figure


FULL = Plan(rooms=((100, 1500), (500, 500)), bursts=5, file_mib=512, file_runs=3, idle=1000)
QUICK = Plan(rooms=((100, 1000), (500, 250)), bursts=3, file_mib=128, file_runs=2, idle=400)


# Clients ------------------------------------------------------------------------------------


def upgrade_request(port: int, path: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


async def connect(port: int, path: str, source: str, tls: bool) -> Connection:
    """A lean client (load_client.Connection) from `source`, over TLS or not; no compression offered,
    so the comparison is the transport alone."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((source, 0))
        sock.setblocking(False)
        await loop.sock_connect(sock, (HOST, port))
    except BaseException:
        sock.close()
        raise
    secure = {"ssl": client_context(), "server_hostname": HOST} if tls else {}
    _, connection = await loop.create_connection(
        lambda: Connection(upgrade_request(port, path)), sock=sock, **secure
    )
    await connection.upgraded
    return connection


async def open_room(port: int, room: str, members: int, tls: bool) -> list[Connection]:
    joined = [await connect(port, f"/ws/{room}", SOURCES[k % len(SOURCES)], tls) for k in range(members)]
    await everyone_in(joined, room)
    return joined


# Fan-out ------------------------------------------------------------------------------------


@dataclass
class Room:
    name: str
    transport: str
    members: list[Connection]
    messages: int
    rates: list[float] = field(default_factory=list)  # deliveries/s per burst
    cpu_us: list[float] = field(default_factory=list)  # server CPU microseconds per delivery
    ready_at: float = 0.0


def cpu_of(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


async def burst(server: psutil.Process, room: Room, number: int) -> None:
    """Each member sends its share of the room's messages at once; done when all have all of them."""
    await asyncio.sleep(max(0.0, room.ready_at - time.monotonic()))
    count = len(room.members)
    text = "The quick brown fox jumps over the lazy dog, message number "
    frames = [
        message_frame(f"{text}{number}-{k}", f"member{k % count}", room.name) for k in range(room.messages)
    ]
    arrived = until_all(room.members, room.messages)
    gc.collect()
    gc.disable()
    try:
        before = cpu_of(server)
        started = time.perf_counter()
        for k, frame in enumerate(frames):
            room.members[k % count].send_frame(frame)
        await asyncio.wait_for(arrived, BURST_TIMEOUT)
        wall = max(member.reached_at for member in room.members) - started
        used = cpu_of(server) - before
    finally:
        gc.enable()
    deliveries = count * room.messages
    room.rates.append(deliveries / wall)
    room.cpu_us.append(used / deliveries * 1e6)
    # A connection may send 30 frames at once, then 10 a second: wait until it may again.
    room.ready_at = time.monotonic() + room.messages / count / 10.0 + 0.5


async def fan_out(port: int, server: psutil.Process, plan: Plan) -> list[tuple[int, Room, Room]]:
    results = []
    for members, messages in plan.rooms:
        rooms = [
            Room(f"{transport.lower()}-{members}", transport, [], messages) for transport in (PLAIN, TLS)
        ]
        for room in rooms:
            room.members = await open_room(port, room.name, members, room.transport == TLS)
        for number in range(plan.bursts):
            for room in rooms if number % 2 == 0 else reversed(rooms):  # neither always goes first
                await burst(server, room, number)
                await asyncio.sleep(0.2)
            print(
                f"  room of {members}, burst {number + 1}: "
                + ", ".join(f"{room.transport} {room.rates[-1]:,.0f}/s" for room in rooms),
                flush=True,
            )
        for room in rooms:
            await close_all(room.members)
        results.append((members, rooms[0], rooms[1]))
    return results


# Memory -------------------------------------------------------------------------------------


async def idle_memory(workdir: Path, count: int, tls: bool) -> float:
    """KiB of the server's RSS per idle room connection (a fresh server for each transport)."""
    server = ServeProcess(workdir / f"idle-{'tls' if tls else 'plain'}").start()
    try:
        assert server.process is not None
        process = psutil.Process(server.process.pid)
        warm = await open_room(server.port, "idle", 20, tls)  # imports and first allocations done
        await asyncio.sleep(1.0)
        before = process.memory_info().rss
        idle = [await connect(server.port, "/ws/idle", SOURCES[k % len(SOURCES)], tls) for k in range(count)]
        await everyone_in(idle, "idle")
        await asyncio.sleep(1.0)
        open_now = sum(1 for connection in idle if not connection.closed.done())
        assert open_now == count, f"only {open_now} of {count} idle connections stayed open"
        grown = process.memory_info().rss - before
        await close_all(idle + warm)
        return grown / count / 1024
    finally:
        server.stop()


# Files --------------------------------------------------------------------------------------


def upload(base: str, file: Path, sha256: str, tls: bool) -> tuple[float, str]:
    client = httpx.Client(base_url=base, verify=client_context() if tls else True)
    return lanchat_upload(base, file, sha256, "b.bin", client=client)


async def attach(address: str, port: int, upload_id: str) -> str:
    """Post the upload in room bench; the download path of its attachment."""
    import websockets

    async with websockets.connect(f"ws://{address}:{port}/ws/bench?v=2&name=bench") as ws:
        await ws.send(
            json.dumps({"type": "message", "sender": "bench", "text": "", "attachments": [upload_id]})
        )
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if frame["type"] == "message" and frame.get("attachments"):
                attachment = frame["attachments"][0]
                return f"/api/files/{attachment['id']}/{attachment['name']}"


def children_cpu() -> float:
    """CPU seconds of the curl runs that have ended (our children; the server is still running)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def files(
    address: str, port: int, server_pid: int, workdir: Path, plan: Plan
) -> dict[str, dict[str, list[float]]]:
    """MiB/s of each transfer ("upload", "download") with the server at address:port, the
    server's CPU seconds per GiB moved ("upload CPU", "download CPU"): steadier than throughput on
    a busy machine, and curl's ("download curl CPU": TLS costs the client as much as the server).
    tls_over_link.py runs this from another network namespace, across a shaped link."""
    host = psutil.Process(server_pid)
    bases = {PLAIN: f"http://{address}:{port}", TLS: f"https://{address}:{port}"}
    kinds = ("upload", "download", "upload CPU", "download CPU", "download curl CPU")
    results: dict[str, dict[str, list[float]]] = {kind: {PLAIN: [], TLS: []} for kind in kinds}
    gib = plan.file_mib / 1024
    download = ""
    for run in range(plan.file_runs):
        for transport in (PLAIN, TLS) if run % 2 == 0 else (TLS, PLAIN):
            source = workdir / f"file-{run}-{transport}.bin"
            sha256 = make_file(source, plan.file_mib * MIB, salt=run * 2 + (transport == TLS))
            before = cpu_of(host)
            speed, upload_id = upload(bases[transport], source, sha256, transport == TLS)
            results["upload CPU"][transport].append((cpu_of(host) - before) / gib)
            results["upload"][transport].append(speed / MIB)
            if not download:
                download = asyncio.run(attach(address, port, upload_id))
            source.unlink()
        for transport in (PLAIN, TLS) if run % 2 == 0 else (TLS, PLAIN):
            insecure = ["-k"] if transport == TLS else []
            before, client_before = cpu_of(host), children_cpu()
            speed = curl(*insecure, *WRITE_OUT, bases[transport] + download)
            results["download CPU"][transport].append((cpu_of(host) - before) / gib)
            results["download curl CPU"][transport].append((children_cpu() - client_before) / gib)
            results["download"][transport].append(speed / MIB)
        print(
            f"  files, run {run + 1}: "
            + ", ".join(
                f"{kind} {t} {results[kind][t][-1]:,.0f} MiB/s" for kind in kinds[:2] for t in (PLAIN, TLS)
            ),
            flush=True,
        )
    return results


def records_alone(workdir: Path, mib: int = 1024) -> tuple[str, float]:
    """The cipher suite a client of Python's ssl gets, and the CPU seconds per GiB of encrypting
    downloads into TLS records in memory: the floor of any server's TLS cost per byte."""
    identity = load_or_create(workdir / "records", [HOST])
    server_in, server_out, client_in, client_out = (ssl.MemoryBIO() for _ in range(4))
    server = server_context(identity).wrap_bio(server_in, server_out, server_side=True)
    client = client_context().wrap_bio(client_in, client_out, server_hostname=HOST)
    for _ in range(4):  # TLS 1.3: the handshake is done in two round trips
        for side in (client, server):
            with suppress(ssl.SSLWantReadError):
                side.do_handshake()
        server_in.write(client_out.read())
        client_in.write(server_out.read())
    suite = server.cipher()
    assert suite is not None, "the in-memory handshake did not finish"
    chunk = os.urandom(MIB)
    started = time.process_time()
    for _ in range(mib):
        server.write(chunk)
        server_out.read()
    return suite[0], (time.process_time() - started) / (mib / 1024)


# Report -------------------------------------------------------------------------------------


def report(
    fanout: list[tuple[int, Room, Room]],
    transfers: dict,
    memory: dict[str, float],
    records: tuple[str, float],
    plan: Plan,
) -> None:
    print()
    print(f"{'':28} {'plain':>12} {'TLS':>12} {'TLS/plain':>10}")
    for members, plain, tls in fanout:
        best_plain, best_tls = max(plain.rates), max(tls.rates)
        label = f"fan-out {members}, deliveries/s"
        print(f"{label:28} {best_plain:12,.0f} {best_tls:12,.0f} {best_tls / best_plain:9.2f}x")
        least_plain, least_tls = min(plain.cpu_us), min(tls.cpu_us)
        print(
            f"{f'fan-out {members}, CPU us/delivery':28} {least_plain:12.2f} {least_tls:12.2f}"
            f" {least_tls / least_plain:9.2f}x"
        )
    report_files(transfers, plan.file_mib)
    print(f"{'download, records alone':28} {'':12} {records[1]:12.2f}  CPU s/GiB, {records[0]}")
    print(
        f"{'KiB per idle connection':28} {memory[PLAIN]:12.1f} {memory[TLS]:12.1f}"
        f" {memory[TLS] / memory[PLAIN]:9.2f}x"
    )
    print(
        "fan-out: best burst of each (deliveries/s), least CPU per delivery; files: best of"
        f" {plan.file_runs} curl runs; memory: {plan.idle} idle seed connections, fresh server each"
    )


def report_files(transfers: dict[str, dict[str, list[float]]], file_mib: int) -> None:
    """The rows of `files()`: best speed of the runs, least CPU per GiB, TLS/plain."""
    for kind in ("upload", "download"):
        best_plain, best_tls = max(transfers[kind][PLAIN]), max(transfers[kind][TLS])
        label = f"{kind}, MiB/s ({file_mib} MiB)"
        print(f"{label:28} {best_plain:12,.0f} {best_tls:12,.0f} {best_tls / best_plain:9.2f}x")
        least_plain, least_tls = min(transfers[f"{kind} CPU"][PLAIN]), min(transfers[f"{kind} CPU"][TLS])
        label = f"{kind}, server CPU s/GiB"
        print(f"{label:28} {least_plain:12.2f} {least_tls:12.2f} {least_tls / least_plain:9.2f}x")
    client = transfers["download curl CPU"]
    least_plain, least_tls = min(client[PLAIN]), min(client[TLS])
    label = "download, curl CPU s/GiB"
    print(f"{label:28} {least_plain:12.2f} {least_tls:12.2f} {least_tls / least_plain:9.2f}x")


@contextmanager
def lanchat(workdir: Path) -> Iterator[ServeProcess]:
    server = ServeProcess(workdir / "data", extra_args=("--min-free-disk-mib", "0")).start()
    try:
        yield server
    finally:
        server.stop()


async def measure(workdir: Path, plan: Plan) -> None:
    with lanchat(workdir) as server:
        assert server.process is not None
        print("fan-out, one server, a plain room and a TLS room of each size:", flush=True)
        fanout = await fan_out(server.port, psutil.Process(server.process.pid), plan)
    with lanchat(workdir / "files") as server:
        print("files, one server, curl over http and https:", flush=True)
        assert server.process is not None
        transfers = await asyncio.to_thread(files, HOST, server.port, server.process.pid, workdir, plan)
    print(f"memory, {plan.idle} idle connections:", flush=True)
    memory = {
        PLAIN: await idle_memory(workdir, plan.idle, False),
        TLS: await idle_memory(workdir, plan.idle, True),
    }
    report(fanout, transfers, memory, records_alone(workdir), plan)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller bursts, files and counts")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    os.environ["LANCHAT_DISCOVERY"] = "off"  # inherited by the servers: nothing multicasts
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"TLS overhead, {os.cpu_count()} CPUs, load average {load}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lanchat-tls-bench-") as workdir:
        asyncio.run(measure(Path(workdir), plan))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"took {time.perf_counter() - started:.0f} s, load average now {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
