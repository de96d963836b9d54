"""Where read receipts are kept: the highest position each identity has seen of each room, with
the name it had then, at most a bound per room (past it, the one that has seen least goes).

Two engines, as the history: a table of the history's SQLite file (this module), or a table of
the cluster's PostgreSQL database (pg_receipts.py), which every node reads and writes, so a hello
on any node lists every node's receipts. The rooms package (server/rooms/receipts.py) decides
who is told; a store only keeps.

On SQLite the table is on a connection of its own, so the history store's schema and
transactions stay its own; WAL and synchronous=NORMAL as there: a process crash loses nothing, a
power cut the last moments.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Protocol

from server.protocol.frames import SeenEntry
from server.storage.sqlite_history import AUTOCHECKPOINT_BACKSTOP_PAGES

__all__ = ["ReceiptStore", "SqliteReceipts"]


class ReceiptStore(Protocol):
    def in_room(self, room: str) -> list[SeenEntry]:
        """The room's receipts, furthest seen first (ties: by identity)."""
        ...

    def keep(self, room: str, identity: str, name: str, seen_id: int, max_per_room: int) -> int | None:
        """Keep a receipt if it is further than the one kept: where it stood before (0: nowhere),
        or None when it was not further. A room past `max_per_room` loses its least-seen ones."""
        ...

    def forget(self, room: str, identity: str) -> None:
        """The identity opted out: its receipt in the room goes."""
        ...

    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS read_receipts (
    room     TEXT    NOT NULL,
    identity TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    seen_id  INTEGER NOT NULL,
    PRIMARY KEY (room, identity)
) WITHOUT ROWID;
"""


class SqliteReceipts:
    def __init__(self, path: Path) -> None:
        # Autocommit on the event loop's thread, as the history store (see history.py).
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # The history store's thread checkpoints this file (sqlite_history.py): receipts move only
        # after messages, so its checkpoints cover theirs, and none runs in a receipt's commit.
        self._db.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_BACKSTOP_PAGES}")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def in_room(self, room: str) -> list[SeenEntry]:
        rows = self._db.execute(
            "SELECT identity, name, seen_id FROM read_receipts WHERE room = ?"
            " ORDER BY seen_id DESC, identity",
            (room,),
        )
        return [{"identity": identity, "name": name, "id": seen_id} for identity, name, seen_id in rows]

    def forget(self, room: str, identity: str) -> None:
        self._db.execute("DELETE FROM read_receipts WHERE room = ? AND identity = ?", (room, identity))

    def keep(self, room: str, identity: str, name: str, seen_id: int, max_per_room: int) -> int | None:
        row = self._db.execute(
            "SELECT seen_id FROM read_receipts WHERE room = ? AND identity = ?", (room, identity)
        ).fetchone()
        if row is not None:
            if row[0] >= seen_id:
                return None
            self._db.execute(
                "UPDATE read_receipts SET name = ?, seen_id = ? WHERE room = ? AND identity = ?",
                (name, seen_id, room, identity),
            )
            return int(row[0])  # the room keeps as many as before: no need to count them
        self._db.execute(
            "INSERT INTO read_receipts (room, identity, name, seen_id) VALUES (?, ?, ?, ?)",
            (room, identity, name, seen_id),
        )
        (kept,) = self._db.execute("SELECT COUNT(*) FROM read_receipts WHERE room = ?", (room,)).fetchone()
        if kept <= max_per_room:
            return 0
        # Past the bound, the receipts that have seen least go (ties: by identity, so it is stable).
        self._db.execute(
            "DELETE FROM read_receipts WHERE room = ? AND identity IN (SELECT identity FROM read_receipts"
            " WHERE room = ? ORDER BY seen_id DESC, identity LIMIT -1 OFFSET ?)",
            (room, room, max_per_room),
        )
        return 0
