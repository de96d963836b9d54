"""Benchmark: what bounding a PostgreSQL store call costs (server/storage/pg_reach.py), same run.

Run by hand from the repository root (not part of the test suite), about half a minute:

    .venv/bin/python tests/bench/store_call_bound.py                 # 9 rounds of 2,000 calls each way
    .venv/bin/python tests/bench/store_call_bound.py --calls 200     # a smoke run

One PostgreSQL this script starts (tests/support/postgres.py, on 127.0.0.1: a loopback round
trip, the case where a fixed cost per call shows most), one room of 200 messages. Two calls,
each way in turn, round after round (so drift in the machine's load hits all ways alike), all
three on one connection, a new one every round (its server process lands on either core):

- `last_id`: one small indexed read, the cheapest call a node makes (a receipt, a catch-up check);
- `page`: `after(room, id, 50)`, a page of 50 messages, what a resuming client costs per page.

The ways, each a PostgresHistoryStore on its own connection:
- before: the store as it was before the bound (`--before`, a commit: its postgres_history.py is
  loaded from git beside this checkout's), the baseline;
- watchdog: this checkout's store, as served now (each call registered with the watchdog thread
  that would cut it at STORE_CALL_TIMEOUT_SECONDS);
- worker thread: the alternative not taken, the old store's call run on one worker thread while
  the caller waits for it with a timeout (`Future.result(timeout)`).

Prints the median per call of each way and its ratio to the baseline's, and what the bound alone
costs (entering and leaving a call, no statement): on a machine shared with other work the
medians move by more than that from run to run. Last, the CPU the watchdog's thread takes when
nothing is to be watched (the process sleeps IDLE_SECONDS), a node's fixed cost.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from server.storage.pg_reach import STORE_CALL_TIMEOUT_SECONDS, reach_of  # noqa: E402
from server.storage.postgres_history import PostgresHistoryStore  # noqa: E402
from tests.support.postgres import find_postgres_bin, running_cluster  # noqa: E402

ROOM = "bench"
MESSAGES = 200
PAGE = 50
IDLE_SECONDS = 5.0
# main before the bound (its store: synchronous, unbounded, 10 s to connect)
BEFORE = "e821f6e"


def store_module_at(commit: str, folder: Path) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{commit}:server/storage/postgres_history.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    path = folder / "postgres_history_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("postgres_history_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def per_call(call: Callable[[], object], count: int) -> float:
    """Microseconds per call over `count` calls."""
    start = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - start) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--before", default=BEFORE, help="the commit whose store is the baseline")
    args = parser.parse_args()
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    with running_cluster(bin_dir) as cluster, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = cluster.create_database()
        # Written by a store of its own: a connection that wrote is not one that only read (its
        # server process differs), and the ways must differ only in the calls' code.
        filler = PostgresHistoryStore(url, folder / "filler")
        for n in range(MESSAGES):
            filler.append(ROOM, "Bench", f"message {n} " + "x" * 80)
        filler.close()
        store = PostgresHistoryStore(url, folder / "now")
        old: Any = store_module_at(args.before, folder).PostgresHistoryStore(url, folder / "before")
        pool = ThreadPoolExecutor(1)
        on_worker = old.__class__(url, folder / "worker")

        def handed(call: Callable[..., Any], *params: Any) -> Any:
            return pool.submit(call, *params).result(STORE_CALL_TIMEOUT_SECONDS)

        middle = MESSAGES // 2
        ways: dict[str, dict[str, Callable[[], object]]] = {
            "before": {"last_id": lambda: old.last_id(ROOM), "page": lambda: old.after(ROOM, middle, PAGE)},
            "watchdog": {
                "last_id": lambda: store.last_id(ROOM),
                "page": lambda: store.after(ROOM, middle, PAGE),
            },
            "worker thread": {
                "last_id": lambda: handed(on_worker.last_id, ROOM),
                "page": lambda: handed(on_worker.after, ROOM, middle, PAGE),
            },
        }
        results: dict[tuple[str, str], list[float]] = {}
        order = list(ways)
        for round_ in range(args.rounds):
            # One connection for all three ways, a new one each round: which core its server
            # process shares with this one moves a call's time by more than the bound costs, so
            # the ways differ only in the code that makes the call.
            store.close()
            old._conn = on_worker._conn = store._connection()
            for way in order[round_ % len(order) :] + order[: round_ % len(order)]:  # each way first in turn
                for kind, call in ways[way].items():
                    per_call(call, 50)  # connected, statements prepared
                    results.setdefault((way, kind), []).append(per_call(call, args.calls))
        # The bound's own cost, no statement: entering and leaving a call on an open connection.
        reach, connection = reach_of(url), store._connection()
        alone: list[float] = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            for _ in range(args.calls * 10):
                with reach.call(lambda: connection):
                    pass
            alone.append((time.perf_counter() - started) / (args.calls * 10) * 1e6)
        store.close()  # the connection all three used
        pool.shutdown()
        # What the watchdog's thread costs a node with nothing to watch: it looks every WATCH_SECONDS.
        before = resource.getrusage(resource.RUSAGE_SELF)
        time.sleep(IDLE_SECONDS)
        after = resource.getrusage(resource.RUSAGE_SELF)
        idle = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / IDLE_SECONDS
    print(f"{args.rounds} rounds x {args.calls} calls, PostgreSQL on loopback; median microseconds per call")
    for kind in ("last_id", "page"):
        base = statistics.median(results[("before", kind)])
        for way in ways:
            median = statistics.median(results[(way, kind)])
            print(f"  {kind:8} {way:14} {median:8.1f} us   x{median / base:.2f}")
    print(f"  the watchdog's bound alone (no statement): {statistics.median(alone):.2f} us per call")
    print(f"  the watchdog's thread with nothing to watch: {idle * 1000:.2f} ms of CPU per second")


if __name__ == "__main__":
    main()
