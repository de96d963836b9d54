"""Benchmark: what storing a message with a file costs a cluster node's serving loop, the way it
is stored now (the attachment's records in the message's own transaction) against the two steps
it replaced, and against a message without a file, side by side in one run.

    .venv/bin/python tests/bench/message_with_files.py                 # 1,000 of each
    .venv/bin/python tests/bench/message_with_files.py --calls 100     # a smoke run

A PostgreSQL cluster of its own in a temporary folder (durable settings: fsync on), the history
store and the files' records on one database, as `lanchat serve --database` opens them. Each
message attaches one finished upload made beforehand (outside the timing). The three kinds take
turns, one call each, so a busy machine slows them alike:

- text: `append`, one statement (it takes the position, stores the message and notifies);
- two steps (before): `append`, then the attachment's own transaction on the files' connection,
  then a NOTIFY once both were stored (the old `announce=False` ... `announce`; here the append
  notifies too, one small NOTIFY more than then);
- one transaction (now): `append(along=...)`: BEGIN, the append, the upload's row taken and the
  attachment's inserted on the same connection, COMMIT.

Prints p50 and p95 per call in milliseconds and each median's ratio to the text message's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.files.attaching import attach
from server.files.index import StoredUpload
from server.files.pg_index import PostgresFileIndex
from server.files.thumbnails import ImageFacts
from server.storage.history import HistoryLimits
from server.storage.postgres_history import ROOMS_CHANNEL, PostgresHistoryStore
from tests.support.postgres import find_postgres_bin, running_cluster

ROOM = "bench"
SHA256 = "ab" * 32


def upload(files: PostgresFileIndex, number: int) -> StoredUpload:
    now = time.time()
    made = StoredUpload(f"u{number}", ROOM, 10, f"f{number}.txt", "text/plain", SHA256, None, now, now, True)
    files.add_upload(made)
    files.mark_complete(made.id, now, ImageFacts())
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        print("PostgreSQL is not installed (Debian: apt-get install postgresql)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder, running_cluster(bin_dir, durable=True) as cluster:
        url = cluster.create_database()
        store = PostgresHistoryStore(url, Path(folder), HistoryLimits(min_free_disk_bytes=0))
        files = PostgresFileIndex(url)
        uploads = iter([upload(files, n) for n in range(2 * args.calls)])

        def text() -> None:
            store.append(ROOM, "Ann", "a message")

        def two_steps() -> None:
            message = store.append(ROOM, "Ann", "")
            attach(files, ROOM, message.id, [next(uploads)])
            store.execute(
                "SELECT pg_notify(%s, json_build_array(%s::text, %s::bigint)::text)",
                (ROOMS_CHANNEL, ROOM, message.id),
            )

        def one_transaction() -> None:
            taken = next(uploads)
            store.append(
                ROOM, "Ann", "", along=lambda joint, message: attach(files, ROOM, message.id, [taken], joint)
            )

        kinds: dict[str, Callable[[], None]] = {
            "text": text,
            "file, two steps (before)": two_steps,
            "file, one transaction (now)": one_transaction,
        }
        times: dict[str, list[float]] = {name: [] for name in kinds}
        for _ in range(args.calls):
            for name, call in kinds.items():
                start = time.perf_counter()
                call()
                times[name].append((time.perf_counter() - start) * 1000)
        files.close()
        store.close()

    print(f"{args.calls} messages of each kind; milliseconds per message, PostgreSQL on loopback")
    print(f"{'kind':28} {'p50':>7} {'p95':>7} {'p50 / text':>11}")
    base = statistics.median(times["text"])
    for name, figures in times.items():
        p50, p95 = statistics.median(figures), statistics.quantiles(figures, n=20)[18]
        print(f"{name:28} {p50:7.3f} {p95:7.3f} {p50 / base:10.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
