"""Benchmark: clients that change their name on every typing notice, and what one bystander pays.

Run by hand from the repository root (not part of the test suite), about 35 seconds:

    .venv/bin/python tests/bench/name_churn.py --before REV

REV is the commit to compare with (the one before rename limits and presence deltas). It is
checked out in a temporary git worktree, and each side runs in turn as a real `lanchat serve`
on 127.0.0.1 (`python -m server` from that checkout, importing its own server/), with a fresh
data folder: first REV, then this checkout. Against each, from this process:

- one victim joins with ?v=2 and sends a message every 100 ms, timing its own echo;
- 60 churners join with ?v=2 and each sends a typing notice under a new name 9 times a second
  (under the rate limit of 10 a second, so the rate limit is not what stops them);
- for CHURN_SECONDS the victim counts the presence frames and the bytes it receives, and psutil
  samples the server's CPU time.

A second scenario has the 60 reconnect under a new name as fast as they can instead (no rename on
any connection): what the rename limit does not cover.

The clients are load_client.py's raw-socket ones: they count what arrives without decoding it,
so the benchmark process is not the bottleneck (its own CPU % is printed to show it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from load_client import Connection, connect, text_frame  # noqa: E402

HOST = "127.0.0.1"  # the benchmark never talks to anything else
CHURNERS = 60
CHURN_PER_SECOND = 9.0  # per churner, under RATE_LIMIT_PER_SECOND
CHURN_SECONDS = 8.0
VICTIM_MESSAGES_PER_SECOND = 10.0
RECONNECT_SECONDS = 5.0
START_TIMEOUT = 20.0
ROOM = "churn"


@dataclass
class Figures:
    presence_per_second: float = 0.0
    bytes_per_second: float = 0.0
    server_cpu_percent: float = 0.0
    client_cpu_percent: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p99_ms: float = 0.0
    latencies: list[float] = field(default_factory=list)


class Server:
    """`lanchat serve` from `checkout`, its output in a log file."""

    def __init__(self, checkout: Path, workdir: Path) -> None:
        self.checkout = checkout
        self.workdir = workdir
        self.port = 0
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> psutil.Process:
        data = tempfile.mkdtemp(prefix="data-", dir=self.workdir)
        log_path = Path(data) / "serve.log"
        command = [sys.executable, "-m", "server", "--host", HOST, "--port", "0", "--data", data]
        env = {**os.environ, "LANCHAT_DISCOVERY": "off", "PYTHONUNBUFFERED": "1"}
        with open(log_path, "w") as log:
            self.popen = subprocess.Popen(
                command,
                cwd=self.checkout,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        marker = f"lanchat is serving at http://{HOST}:"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            text = log_path.read_text(errors="replace")
            if marker in text:
                self.port = int(text.split(marker, 1)[1].split("/", 1)[0])
                return psutil.Process(self.popen.pid)
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"lanchat serve from {self.checkout} did not start:\n{text}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)


def frame(payload: dict[str, object]) -> bytes:
    return text_frame(json.dumps(payload, ensure_ascii=False).encode())


async def measure(server: Server) -> Figures:
    process = server.start()
    figures = Figures()
    try:
        counting = False
        presence = received_bytes = 0
        sent_at: dict[int, float] = {}

        def on_victim_text(_: Connection, payload: bytes, received_at: float) -> None:
            nonlocal presence, received_bytes
            if not counting:
                return
            received_bytes += len(payload)
            if b'"presence"' in payload or b'"type":"members"' in payload:
                presence += 1
            elif b'"lat:' in payload:
                seq = int(payload.split(b'"lat:', 1)[1].split(b'"', 1)[0])
                if seq in sent_at:
                    figures.latencies.append(received_at - sent_at.pop(seq))

        path = f"/ws/{ROOM}?v=2&name="
        victim = await connect(server.port, path + "victim", offer_deflate=False)
        victim.on_text = on_victim_text
        churners = [
            await connect(server.port, path + f"c{index}", offer_deflate=False) for index in range(CHURNERS)
        ]
        await asyncio.sleep(1.0)  # joins settle

        counting = True
        cpu_before = process.cpu_times()
        own_before = psutil.Process().cpu_times()
        started = time.perf_counter()
        tick = 0
        next_message = started
        seq = 0
        while (now := time.perf_counter()) - started < CHURN_SECONDS:
            for index, churner in enumerate(churners):
                churner.send_frame(frame({"type": "typing", "sender": f"c{index}-{tick}"}))
            tick += 1
            while next_message <= now:
                sent_at[seq] = time.perf_counter()
                victim.send_frame(frame({"text": f"lat:{seq}", "sender": "victim"}))
                seq += 1
                next_message += 1 / VICTIM_MESSAGES_PER_SECOND
            await asyncio.sleep(max(0.0, started + tick / CHURN_PER_SECOND - time.perf_counter()))
        elapsed = time.perf_counter() - started
        counting = False
        cpu_after = process.cpu_times()
        own_after = psutil.Process().cpu_times()

        figures.presence_per_second = presence / elapsed
        figures.bytes_per_second = received_bytes / elapsed
        server_cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
        own_cpu = (own_after.user + own_after.system) - (own_before.user + own_before.system)
        figures.server_cpu_percent = 100 * server_cpu / elapsed
        figures.client_cpu_percent = 100 * own_cpu / elapsed
        # A message still unanswered at the end counts as late as the run was long.
        figures.latencies += [started + elapsed - at for at in sent_at.values()]
        ordered = sorted(figures.latencies)
        figures.latency_p50_ms = 1000 * statistics.median(ordered)
        figures.latency_p99_ms = 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        for connection in [victim, *churners]:
            connection.abort()
    finally:
        server.stop()
    return figures


async def measure_reconnects(server: Server) -> Figures:
    """Churners that reconnect under a new name as fast as they can, instead of renaming."""
    process = server.start()
    figures = Figures()
    try:
        presence = received_bytes = 0
        counting = False

        def on_victim_text(_: Connection, payload: bytes, received_at: float) -> None:
            nonlocal presence, received_bytes
            if counting:
                received_bytes += len(payload)
                presence += b'"presence"' in payload or b'"members"' in payload

        victim = await connect(server.port, f"/ws/{ROOM}?v=2&name=victim", offer_deflate=False)
        victim.on_text = on_victim_text
        await asyncio.sleep(0.5)
        counting = True
        cpu_before = process.cpu_times()
        started = time.perf_counter()
        stop = started + RECONNECT_SECONDS

        async def churn(index: int) -> None:
            round_ = 0
            while time.perf_counter() < stop:
                path = f"/ws/{ROOM}?v=2&name=r{index}-{round_}"
                (await connect(server.port, path, offer_deflate=False)).abort()
                round_ += 1

        await asyncio.gather(*(churn(index) for index in range(CHURNERS)))
        elapsed = time.perf_counter() - started
        cpu_after = process.cpu_times()
        figures.presence_per_second = presence / elapsed
        figures.bytes_per_second = received_bytes / elapsed
        server_cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
        figures.server_cpu_percent = 100 * server_cpu / elapsed
        victim.abort()
    finally:
        server.stop()
    return figures


def print_reconnects(before: Figures, after: Figures) -> None:
    print(f"\n{CHURNERS} clients reconnecting under a new name as fast as they can, {RECONNECT_SECONDS:g} s")
    print(f"{'':28}{'before':>12}{'after':>12}")
    rows = [
        ("victim presence frames/s", before.presence_per_second, after.presence_per_second, "{:,.0f}"),
        ("victim KiB/s received", before.bytes_per_second / 1024, after.bytes_per_second / 1024, "{:,.1f}"),
        ("server CPU %", before.server_cpu_percent, after.server_cpu_percent, "{:.0f}"),
    ]
    for label, old, new, pattern in rows:
        print(f"{label:28}{pattern.format(old):>12}{pattern.format(new):>12}")


def print_table(before: Figures, after: Figures, before_label: str) -> None:
    rows = [
        ("victim presence frames/s", "presence_per_second", "{:,.0f}"),
        ("victim KiB/s received", "bytes_per_second", None),
        ("server CPU %", "server_cpu_percent", "{:.0f}"),
        ("benchmark client CPU %", "client_cpu_percent", "{:.0f}"),
        ("message latency p50 ms", "latency_p50_ms", "{:.1f}"),
        ("message latency p99 ms", "latency_p99_ms", "{:.1f}"),
    ]
    print(
        f"\n{CHURNERS} clients renaming on each typing notice at {CHURN_PER_SECOND:g}/s, {CHURN_SECONDS:g} s"
    )
    print(f"{'':28}{'before':>12}{'after':>12}{'after/before':>14}")
    for label, attribute, pattern in rows:
        old, new = getattr(before, attribute), getattr(after, attribute)
        if pattern is None:  # bytes, shown in KiB
            old, new, pattern = old / 1024, new / 1024, "{:,.1f}"
        ratio = f"{new / old:.3f}x" if old else "-"
        print(f"{label:28}{pattern.format(old):>12}{pattern.format(new):>12}{ratio:>14}")
    print(f"before: {before_label}; after: {REPO}")


async def run(before_checkout: Path, workdir: Path) -> list[Figures]:
    """Renaming churn on both sides, then reconnecting churn on both sides."""
    return [
        await measure(Server(before_checkout, workdir)),
        await measure(Server(REPO, workdir)),
        await measure_reconnects(Server(before_checkout, workdir)),
        await measure_reconnects(Server(REPO, workdir)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, metavar="REV", help="git revision to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lanchat-churn-") as workdir:
        checkout = Path(workdir) / "before"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(checkout), args.before],
            check=True,
        )
        try:
            before, after, reconnects_before, reconnects_after = asyncio.run(run(checkout, Path(workdir)))
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(checkout)], check=False
            )
            shutil.rmtree(checkout, ignore_errors=True)
    print_table(before, after, args.before)
    print_reconnects(reconnects_before, reconnects_after)


if __name__ == "__main__":
    main()
