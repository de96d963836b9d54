"""`lanchat migrate`: a host's data folder copied into a cluster's PostgreSQL database.

What is copied keeps its identity: every message keeps its room position (its id), its sender's
identity, its reply, edit time and deleted flag; every change keeps its position, and a room's
counter goes on from where it was, so a client that last saw id N on the old host resumes with
`?after=N` on any node of the cluster. Each part of the data folder is one step; all steps write
in ONE transaction, so a failed migration leaves the database as it was.

The database must not hold any of the rooms already: merging two histories would give two
messages one position. The source is read as it is on disk, so stop the host first (a host
still running would go on writing after the copy).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

import psycopg

from server.storage.database_url import describe_database
from server.storage.history import StorageFailed, StoredMessage, message_size
from server.storage.pg_receipts import PostgresReceipts
from server.storage.postgres_history import PostgresHistoryStore, lexemes
from server.storage.sqlite_history import SqliteHistoryStore

__all__ = ["Connection", "Copied", "MigrationRefused", "Step", "migrate"]

Connection = psycopg.Connection[tuple[Any, ...]]

# Rows written per statement.
_BATCH = 1_000
# A message's columns are named as StoredMessage's fields, in its order, on both engines.
_COLUMNS = ", ".join(field.name for field in fields(StoredMessage))


class MigrationRefused(Exception):
    """Nothing was copied, for the reason given (in words for the person at the terminal)."""


@dataclass(frozen=True, slots=True)
class Copied:
    """One line of the report: how many of what."""

    what: str
    count: int

    def __str__(self) -> str:
        return f"{self.count:>8}  {self.what}"


# A step copies one part of the data folder (its history file open read-only) into the database,
# inside the migration's transaction.
Step = Callable[[Path, sqlite3.Connection, Connection], list[Copied]]


def migrate(data_dir: Path, database_url: str, more_steps: tuple[Step, ...] = ()) -> list[Copied]:
    """Copy what `data_dir` keeps into the database at `database_url`; what was copied. The
    history and its read receipts are this module's; `more_steps` copy the parts that packages
    above storage own (the rooms' bans and passwords: server/cluster/moving_in.py), in the same
    transaction."""
    if not (data_dir / SqliteHistoryStore.FILENAME).is_file():
        raise MigrationRefused(f"{data_dir} holds no lanchat history ({SqliteHistoryStore.FILENAME})")
    # Opening each store brings its schema to this lanchat's version: an older data folder is
    # read as this version reads it, and the database gets its tables.
    SqliteHistoryStore(data_dir).close()
    source = sqlite3.connect(f"file:{data_dir / SqliteHistoryStore.FILENAME}?mode=ro", uri=True)
    try:
        history = PostgresHistoryStore(database_url, data_dir)
        try:
            PostgresReceipts(history).close()
        finally:
            history.close()
        with psycopg.connect(database_url) as target, target.transaction():
            steps = (_history, _receipts, *more_steps)
            return [copied for step in steps for copied in step(data_dir, source, target)]
    except psycopg.Error as exc:
        raise StorageFailed(f"{describe_database(database_url)}: {exc}") from exc
    finally:
        source.close()


def _history(data_dir: Path, db: sqlite3.Connection, target: Connection) -> list[Copied]:
    # A room's newest message is never dropped, so every room with a position has messages.
    rooms = [room for (room,) in db.execute("SELECT DISTINCT room FROM messages ORDER BY room")]
    positions = dict(db.execute("SELECT room, last FROM room_positions"))
    taken = [
        room for (room,) in target.execute("SELECT room FROM room_history WHERE room = ANY(%s)", (rooms,))
    ]
    if taken:
        raise MigrationRefused(
            f"the database already holds {len(taken)} of these rooms ({', '.join(sorted(taken)[:5])}):"
            " migrate into a database without them"
        )
    messages = 0
    for room in rooms:
        messages += _copy_room(db, target, room, positions.get(room, 0))
    reactions = 0
    rows = db.execute("SELECT room, message_id, emoji, identity, name, position, first FROM reactions")
    with target.cursor() as cursor:
        while batch := rows.fetchmany(_BATCH):
            cursor.executemany(
                "INSERT INTO reactions (room, message_id, emoji, identity, name, position, first)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                batch,
            )
            reactions += len(batch)
    return [Copied("rooms", len(rooms)), Copied("messages", messages), Copied("reactions", reactions)]


def _receipts(data_dir: Path, db: sqlite3.Connection, target: Connection) -> list[Copied]:
    """The read receipts (server/storage/receipts.py keeps them in the history's file, once the
    host has served): the higher of two wins, as a seen frame would."""
    has_table = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'read_receipts'"
    ).fetchone()
    if has_table is None:
        return [Copied("read receipts", 0)]
    rows = db.execute("SELECT room, identity, name, seen_id FROM read_receipts ORDER BY room, identity")
    copied = 0
    with target.cursor() as cursor:
        while batch := rows.fetchmany(_BATCH):
            cursor.executemany(
                "INSERT INTO read_receipts AS r (room, identity, name, seen_id) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (room, identity) DO UPDATE SET name = excluded.name, seen_id = excluded.seen_id"
                " WHERE r.seen_id < excluded.seen_id",
                batch,
            )
            copied += len(batch)
    return [Copied("read receipts", copied)]


def _copy_room(db: sqlite3.Connection, target: Connection, room: str, position: int) -> int:
    rows = db.execute(f"SELECT {_COLUMNS} FROM messages WHERE room = ? ORDER BY id", (room,))
    first_id = last_id = count = size = 0
    last = position
    with target.cursor() as cursor:
        while batch := rows.fetchmany(_BATCH):
            messages = [StoredMessage(*row[:-1], deleted=bool(row[-1])) for row in batch]  # type: ignore[misc]
            for message in messages:
                first_id = first_id or message.id
                last_id = message.id
                last = max(last, message.id, message.changed_at or 0)
                size += message_size(message.sender, message.text, message.client_id)
            count += len(messages)
            cursor.executemany(
                f"INSERT INTO messages ({_COLUMNS}, words)"
                f" VALUES ({', '.join(['%s'] * len(fields(StoredMessage)))}, array_to_tsvector(%s::text[]))",
                [
                    (*astuple(message), None if message.deleted else lexemes(message.text))
                    for message in messages
                ],
            )
    target.execute(
        "INSERT INTO room_history (room, last, first_id, last_id, count, size)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (room, last, first_id, last_id, count, size),
    )
    return count
