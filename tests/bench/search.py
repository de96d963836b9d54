"""Benchmark: full-text search over 1,000,000 stored messages in 100 rooms, against a LIKE scan.

Run by hand from the repository root (not part of the test suite), 4 to 6 minutes:

    .venv/bin/python tests/bench/search.py                 # 1,000,000 messages
    .venv/bin/python tests/bench/search.py --messages 20000 --queries 20   # a smoke run, seconds

1. Builds a history file in a temporary folder: `--messages` messages of mixed Russian and
   English chat (words drawn from a vocabulary with Zipf-like frequencies, in several word forms),
   spread evenly over 100 rooms (10,000 each at the full size, within MAX_ROOM_HISTORY_MESSAGES),
   written with executemany in one transaction into a file without the index (as a history from
   before search), which SqliteHistoryStore then indexes once on open (both steps timed).
2. Starts a real `lanchat serve` on 127.0.0.1 on that folder and times `GET /api/search` (one
   keep-alive HTTP client, the default page of 20, every open room) for `--queries` queries:
   single words from common to rare and two-word queries, Russian and English. Also the store's
   own query function (server/search.py's `search`, plus the snippets) in this process.
3. Times, on the same file in the same run, what a search without the index would do: `SELECT
   ... WHERE text LIKE '%word%' ORDER BY timestamp DESC LIMIT 20` (the newest 20, so every row is
   read), for the single-word queries (a scan per query is slow, so fewer of them).

4. Joins a room and resumes in it after 1,000 edits of one message, and after one edit each of
   1,000 messages (room socket to welcome),
   on that file and on one holding only that room, to show the million messages beside it cost
   nothing there.

Prints p50/p95 of each and the ratio of the p95s. Targets (issue 15 item 9): search p95 at most
20 ms, and at least 50 times faster than the scan.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.protocol.limits import HISTORY_ON_JOIN
from server.storage.search import hit_frame, match_expression, query_terms, search
from server.storage.sqlite_history import SqliteHistoryStore
from tests.support.server_process import ServeProcess

ROOMS = 100
TARGET_P95_MS = 20.0
TARGET_RATIO = 50.0

# Stems with their endings: each message picks a word and one of its forms.
RUSSIAN = [
    ("привет", ["", "ы", "ик"]),
    ("сообщени", ["е", "я", "ю", "ем", "и"]),
    ("книг", ["а", "и", "у", "ой", "е"]),
    ("встреч", ["а", "и", "у", "ей", "е"]),
    ("работ", ["а", "ы", "у", "ой", "ает", "ать"]),
    ("проект", ["", "а", "у", "ом", "ы"]),
    ("задач", ["а", "и", "у", "ей"]),
    ("сервер", ["", "а", "у", "ом", "ы"]),
    ("файл", ["", "а", "ы", "ом"]),
    ("отчёт", ["", "а", "у", "ы"]),
    ("сегодня", [""]),
    ("завтра", [""]),
    ("вечер", ["", "ом", "а"]),
    ("обед", ["", "а", "ом"]),
    ("кофе", [""]),
    ("дом", ["", "а", "у", "ой"]),
    ("письм", ["о", "а", "у"]),
    ("договор", ["", "а", "у", "ы"]),
    ("клиент", ["", "а", "у", "ы", "ов"]),
    ("релиз", ["", "а", "у"]),
    ("ошибк", ["а", "и", "у"]),
    ("тест", ["", "ы", "ов", "ировать"]),
    ("сборк", ["а", "и", "у"]),
    ("принтер", ["", "а", "у"]),
    ("пароль", ["", "я", "ю"]),
    ("команд", ["а", "ы", "у", "ой"]),
    ("отпуск", ["", "а", "е"]),
    ("погод", ["а", "ы", "у"]),
    ("документ", ["", "а", "ы", "ов"]),
    ("презентаци", ["я", "и", "ю"]),
    ("бюджет", ["", "а", "у"]),
    ("совещани", ["е", "я", "ю"]),
    ("библиотек", ["а", "и", "у"]),
    ("ёлк", ["а", "и", "у"]),
    ("самовар", ["", "а", "ом"]),
]
RUSSIAN_GLUE = [
    "и",
    "в",
    "на",
    "не",
    "что",
    "я",
    "ты",
    "мы",
    "он",
    "она",
    "это",
    "как",
    "так",
    "но",
    "да",
    "нет",
    "уже",
    "ещё",
    "там",
    "тут",
]
ENGLISH = [
    ("meeting", ["", "s"]),
    ("report", ["", "s", "ed", "ing"]),
    ("server", ["", "s"]),
    ("deploy", ["", "s", "ed", "ing", "ment"]),
    ("build", ["", "s", "ing"]),
    ("test", ["", "s", "ed", "ing"]),
    ("lunch", ["", "es"]),
    ("coffee", [""]),
    ("release", ["", "s", "d"]),
    ("ticket", ["", "s"]),
    ("review", ["", "s", "ed", "ing"]),
    ("printer", ["", "s"]),
    ("password", ["", "s"]),
    ("budget", ["", "s"]),
    ("invoice", ["", "s", "d"]),
    ("customer", ["", "s"]),
    ("weather", [""]),
    ("holiday", ["", "s"]),
    ("library", ["", "ies"]),
    ("database", ["", "s"]),
    ("network", ["", "s", "ing"]),
    ("schedule", ["", "s", "d"]),
    ("laptop", ["", "s"]),
    ("migration", ["", "s"]),
    ("kangaroo", ["", "s"]),
]
ENGLISH_GLUE = [
    "the",
    "a",
    "to",
    "and",
    "is",
    "in",
    "it",
    "of",
    "for",
    "on",
    "we",
    "you",
    "I",
    "this",
    "that",
    "at",
    "be",
    "with",
]
NAMES = ["Аня", "Борис", "Вера", "Глеб", "Дина", "Alice", "Bob", "Carol", "Dave", "Erin"]

SINGLE_QUERIES = [
    # common, middling and rare (the later entries of each list are drawn less often)
    "сообщение",
    "книга",
    "проект",
    "пароль",
    "ёлка",
    "самовар",
    "meeting",
    "reports",
    "printer",
    "library",
    "kangaroos",
    "invoice",
]
PAIR_QUERIES = ["книги отпуск", "сервер ошибка", "deploy server", "review tickets", "кофе lunch"]


def vocabulary() -> tuple[list[str], list[float]]:
    words: list[str] = []
    weights: list[float] = []
    for rank, (stem, endings) in enumerate(RUSSIAN + ENGLISH, start=1):
        for ending in endings:
            words.append(stem + ending)
            weights.append(1.0 / rank / len(endings))
    for glue in RUSSIAN_GLUE + ENGLISH_GLUE:
        words.append(glue)
        weights.append(0.08)
    return words, weights


def build(folder: Path, messages: int, seed: int = 15) -> tuple[float, float]:
    """Write `messages` messages into a fresh history file in `folder` as a file from before
    search would have them (no index), then open it with SqliteHistoryStore, which indexes it once.
    Seconds taken by each step."""
    rng = random.Random(seed)
    words, weights = vocabulary()
    cumulative = list(_accumulate(weights))
    started = time.perf_counter()
    SqliteHistoryStore(folder).close()  # the store's current schema
    db = sqlite3.connect(folder / SqliteHistoryStore.FILENAME, isolation_level=None)
    db.executescript(  # as before search: no index, no triggers
        "DROP TRIGGER search_on_insert; DROP TRIGGER search_on_update; DROP TRIGGER search_on_delete;"
        " DROP TABLE search_index; DROP TABLE search_rows; DROP TABLE search_meta;"
    )
    now = time.time() - messages
    rows = []
    for index in range(messages):
        room = f"room-{index % ROOMS:03d}"
        count = rng.randint(3, 18)
        text = " ".join(rng.choices(words, cum_weights=cumulative, k=count))
        if rng.random() < 0.3:
            text = text.capitalize() + rng.choice([".", "!", "?", " :)", ""])
        rows.append((room, index // ROOMS + 1, rng.choice(NAMES), text, now + index))
    db.execute("BEGIN")
    db.executemany("INSERT INTO messages (room, id, sender, text, timestamp) VALUES (?, ?, ?, ?, ?)", rows)
    has_positions = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'room_positions'").fetchone()
    if has_positions:  # the room's counter (issue 15 item 1), kept by the store's own appends
        db.execute("INSERT OR REPLACE INTO room_positions SELECT room, MAX(id) FROM messages GROUP BY room")
    db.execute("COMMIT")
    db.close()
    written = time.perf_counter() - started
    started = time.perf_counter()
    SqliteHistoryStore(folder).close()  # indexes the file: what an upgrade does once
    return written, time.perf_counter() - started


def _accumulate(weights: list[float]):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(name: str, samples_ms: list[float]) -> float:
    p95 = percentile(samples_ms, 0.95)
    print(
        f"  {name:<40} n={len(samples_ms):<4} p50 {statistics.median(samples_ms):8.2f} ms"
        f"   p95 {p95:8.2f} ms   max {max(samples_ms):8.2f} ms"
    )
    return p95


CHANGES = 1000  # edits made to one message while a member was away
JOIN_TRIES = 20


def add_changes(folder: Path, room: str, fill: int = 0, *, spread: bool = False) -> int:
    """`fill` messages, then CHANGES edits in `room` through the store's own append and edit (as
    the server makes them): all of one message, or (`spread`) one each of CHANGES new messages.
    Returns the room's position before the edits, where a member who left then resumes."""
    store = SqliteHistoryStore(folder)
    for index in range(fill):
        store.append(room, "Dan", f"earlier message {index}")
    edited = [
        store.append(room, "Ann", f"the plan, part {index}") for index in range(CHANGES if spread else 1)
    ]
    before = store.position(room)
    for index in range(CHANGES):
        message = edited[index % len(edited)]
        store.edit(room, message.id, f"the plan, draft {index + 2}")
    store.close()
    return before


def time_join_and_resume(
    folder: Path, room: str, after: int, updates_expected: int = 1
) -> tuple[list[float], list[float]]:
    """Milliseconds from opening the room socket to its welcome: a plain join (the last 100
    messages first), and a resume from `after` (an update frame per edited message)."""
    server = ServeProcess(folder).start(timeout=120)
    joins, resumes = [], []
    try:
        for query, samples in (("v=2&name=J", joins), (f"v=2&name=R&after={after}", resumes)):
            for _ in range(JOIN_TRIES):
                started = time.perf_counter()
                with connect(f"{server.ws_base}/ws/{room}?{query}", max_size=None) as ws:
                    frames = []
                    while not frames or frames[-1]["type"] != "welcome":
                        frames.append(json.loads(ws.recv(timeout=30)))
                samples.append((time.perf_counter() - started) * 1000)
                if "after" in query:
                    updates = [frame for frame in frames if frame["type"] == "update"]
                    assert len(updates) == updates_expected, (
                        f"{len(updates)} update frames after {CHANGES} edits"
                    )
    finally:
        server.stop(signal.SIGTERM)
    return joins, resumes


def join_and_resume(big: Path, messages: int, empty: Path) -> None:
    """Joining a room and resuming after CHANGES changes, with the whole store beside it and alone:
    first CHANGES edits of one message (one update frame), then one edit each of CHANGES messages
    (CHANGES update frames)."""
    print(f"join and resume after {CHANGES:,} changes (room socket to welcome, {JOIN_TRIES} each):")
    # The empty store holds only the room joined, with as many messages as a join replays and more,
    # so both joins send the same frames: what differs is the million messages beside it.
    for room, spread in (("room-000", False), ("room-001", True)):
        what = f"{CHANGES:,} messages edited once" if spread else f"{CHANGES:,} edits of one message"
        for label, folder, fill in (
            ("room alone", empty, 2 * HISTORY_ON_JOIN),
            (f"{messages:,} stored", big, 0),
        ):
            after = add_changes(folder, room, fill, spread=spread)
            joins, resumes = time_join_and_resume(folder, room, after, CHANGES if spread else 1)
            summary(f"join, {label}", joins)
            summary(f"resume, {what}, {label}", resumes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200, help="timed HTTP searches")
    parser.add_argument("--scans", type=int, default=24, help="timed LIKE scans")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lanchat-search-bench-") as temporary:
        folder = Path(temporary) / "data"
        written, indexed = build(folder, args.messages)
        size = (folder / SqliteHistoryStore.FILENAME).stat().st_size
        print(
            f"wrote {args.messages:,} messages in {ROOMS} rooms in {written:.1f} s; opening the file indexed"
            f" them in {indexed:.1f} s ({size / 2**20:.0f} MiB with the index)"
        )
        queries = SINGLE_QUERIES + PAIR_QUERIES
        plan = [queries[index % len(queries)] for index in range(args.queries)]

        db = sqlite3.connect(folder / SqliteHistoryStore.FILENAME)
        store = SqliteHistoryStore(folder)  # registers the stemming function; reads, writes nothing
        rooms = sorted(store.rooms())
        matches = {
            query: db.execute(
                "SELECT COUNT(*) FROM search_index WHERE search_index MATCH ?",
                (match_expression(query_terms(query)),),
            ).fetchone()[0]
            for query in queries
        }
        print("matching messages per query:", ", ".join(f"{q!r} {n:,}" for q, n in matches.items()))

        print("search (FTS5, newest 20 of every open room):")
        in_process = []
        for query in plan:
            started = time.perf_counter()
            terms = query_terms(query)
            [hit_frame(hit, terms) for hit in search(store._db, terms, rooms, 0, 21)]
            in_process.append((time.perf_counter() - started) * 1000)
        store_p95 = summary("store query function", in_process)
        store.close()

        server = ServeProcess(folder).start(timeout=120)
        try:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                client.get("/api/search", params={"q": "привет"}).raise_for_status()  # warm
                over_http = []
                for query in plan:
                    started = time.perf_counter()
                    answer = client.get("/api/search", params={"q": query})
                    over_http.append((time.perf_counter() - started) * 1000)
                    answer.raise_for_status()
                    assert len(answer.json()["results"]) == min(20, matches[query]), query
                http_p95 = summary("GET /api/search (real server)", over_http)
                floor = []
                for _ in plan:  # what any request costs on this machine now: the HTTP floor
                    started = time.perf_counter()
                    client.get("/api/health").raise_for_status()
                    floor.append((time.perf_counter() - started) * 1000)
                summary("GET /api/health (for comparison)", floor)
        finally:
            server.stop(signal.SIGTERM)

        print("LIKE '%word%' scan (newest 20, same file):")
        scans = []
        for index in range(args.scans):
            word = SINGLE_QUERIES[index % len(SINGLE_QUERIES)]
            started = time.perf_counter()
            db.execute(
                "SELECT room, id, sender, timestamp, text FROM messages WHERE text LIKE ?"
                " ORDER BY timestamp DESC LIMIT 20",
                (f"%{word}%",),
            ).fetchall()
            scans.append((time.perf_counter() - started) * 1000)
        scan_p95 = summary("LIKE scan (sqlite3, in process)", scans)
        db.close()
        join_and_resume(folder, args.messages, Path(temporary) / "empty")

    ratio = scan_p95 / http_p95
    print(f"p95: search over HTTP {http_p95:.2f} ms, LIKE scan {scan_p95:.1f} ms: {ratio:.0f}x faster")
    print(f"p95: store query function {store_p95:.2f} ms: {scan_p95 / store_p95:.0f}x faster than the scan")
    ok = http_p95 <= TARGET_P95_MS and ratio >= TARGET_RATIO
    print(f"targets (p95 <= {TARGET_P95_MS:.0f} ms, >= {TARGET_RATIO:.0f}x): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
