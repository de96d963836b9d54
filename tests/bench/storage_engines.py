"""Benchmark: what one history call costs on each engine, SQLite and PostgreSQL, in the same run.

Run by hand from the repository root (not part of the test suite), under a minute:

    .venv/bin/python tests/bench/storage_engines.py                  # 2,000 appends, 2,000 reads
    .venv/bin/python tests/bench/storage_engines.py --calls 200      # a smoke run

The rooms package calls its store synchronously on the serving event loop (server/storage/
history.py says why), so a call's time is time the loop serves nobody: this measures it. Each
engine gets a fresh history: SQLite a file in a temporary folder (WAL, synchronous=NORMAL, as
served), PostgreSQL a cluster this script starts in a temporary folder (Debian's package,
initdb and pg_ctl, on 127.0.0.1: a loopback round trip, the best case of a database on another
machine) with the server's defaults (fsync on). Then, for each:

- append: `--calls` messages of about 100 characters (Russian and English, so the stemming
  for search is in the figure) into one room, one call each;
- after: `--calls` reads of a page of 50 messages (`store.after(room, random id, 50)`, what a
  client resuming with `?after=` costs the replay per page).

The same again on PostgreSQL with `synchronous_commit=off` (SQLite's trade-off: no wait for the
log's flush at each commit), to show how much of the difference is that wait. Prints p50 and p95
per call and each median's ratio to SQLite's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.storage.history import HistoryLimits, HistoryStore
from server.storage.postgres_history import PostgresHistoryStore
from server.storage.sqlite_history import SqliteHistoryStore
from tests.support.postgres import find_postgres_bin, running_cluster

PAGE = 50
TEXTS = [
    "Встреча переносится на четверг, комната 204, принесите отчёты за квартал",
    "The build is green again; the flaky upload test was a race in the sweeper",
    "Кто-нибудь видел зарядку от ноутбука? Оставил вчера в переговорной",
    "Lunch at noon? The new place across the street has soup and sandwiches",
]


def timed(call: Callable[[int], object], count: int) -> list[float]:
    """Each call's time in milliseconds."""
    times = []
    for index in range(count):
        start = time.perf_counter()
        call(index)
        times.append((time.perf_counter() - start) * 1000)
    return times


def measure(store: HistoryStore, calls: int) -> dict[str, list[float]]:
    rng = random.Random(7)
    appends = timed(lambda i: store.append("bench", "Ann", f"{TEXTS[i % len(TEXTS)]} #{i}"), calls)
    reads = timed(lambda _i: store.after("bench", rng.randrange(calls - PAGE), PAGE), calls)
    return {"append": appends, "after": reads}


def summary(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), statistics.quantiles(times, n=20)[18]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        print("PostgreSQL is not installed (Debian: apt-get install postgresql)", file=sys.stderr)
        return 1
    limits = HistoryLimits(min_free_disk_bytes=0)
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteHistoryStore(Path(folder) / "sqlite", limits)
        results = {"SQLite": measure(sqlite, args.calls)}
        sqlite.close()
        with running_cluster(bin_dir, durable=True) as cluster:
            postgres = PostgresHistoryStore(cluster.create_database(), Path(folder) / "pg", limits)
            results["PostgreSQL"] = measure(postgres, args.calls)
            postgres.close()
            # The same without waiting for the log's flush at each commit: SQLite's trade-off
            # (synchronous=NORMAL), to show what of the difference is the fsync.
            url = cluster.create_database() + "?options=-c%20synchronous_commit%3Doff"
            postgres = PostgresHistoryStore(url, Path(folder) / "pg-async", limits)
            results["PG-nowait"] = measure(postgres, args.calls)
            postgres.close()

    print(f"{args.calls} calls each; milliseconds per call")
    print("(PG-nowait: PostgreSQL with synchronous_commit=off, no fsync wait per commit)")
    print(f"{'call':8} {'engine':11} {'p50':>8} {'p95':>8} {'p50 / SQLite':>13}")
    for call in ("append", "after"):
        base = summary(results["SQLite"][call])[0]
        for engine, figures in results.items():
            p50, p95 = summary(figures[call])
            print(f"{call:8} {engine:11} {p50:8.3f} {p95:8.3f} {p50 / base:12.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
