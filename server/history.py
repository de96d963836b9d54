"""Every room's messages in one SQLite file (WAL), so history survives restarts.

Writes run on the event loop thread: with WAL and synchronous=NORMAL a commit is a
write into the log without fsync (tens of microseconds), far cheaper than a hop to
a worker thread, and it keeps store-then-broadcast one ordered step. A process
crash loses nothing committed; a power cut may lose the last moments.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HistoryStore", "StoredMessage"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    room      TEXT    NOT NULL,
    id        INTEGER NOT NULL,
    sender    TEXT    NOT NULL,
    text      TEXT    NOT NULL,
    timestamp REAL    NOT NULL,
    client_id TEXT,
    PRIMARY KEY (room, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS messages_client_id
    ON messages (room, client_id) WHERE client_id IS NOT NULL;
"""


@dataclass(frozen=True, slots=True)
class StoredMessage:
    room: str
    id: int
    sender: str
    text: str
    timestamp: float
    client_id: str | None = None


_COLUMNS = "room, id, sender, text, timestamp, client_id"


class HistoryStore:
    FILENAME = "history.sqlite3"

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / self.FILENAME
        # isolation_level=None: autocommit, one message one transaction. The connection stays
        # on the thread that opened it (the event loop's): sqlite3 refuses any other.
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # Ids run 1, 2, 3... per room and nothing is deleted, so a room's last id is also its
        # message count. Read once here: the room list and every append use it.
        self._last_ids: dict[str, int] = dict(
            self._db.execute("SELECT room, MAX(id) FROM messages GROUP BY room").fetchall()
        )

    def close(self) -> None:
        # A checkpoint folds the WAL into the main file so a copy of it alone is complete.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()

    def last_id(self, room: str) -> int:
        """The id of the room's newest message; 0 for a room with none."""
        return self._last_ids.get(room, 0)

    def find_client_id(self, room: str, client_id: str) -> StoredMessage | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND client_id = ?", (room, client_id)
        ).fetchone()
        return StoredMessage(*row) if row else None

    def append(self, room: str, sender: str, text: str, client_id: str | None = None) -> StoredMessage:
        """Store a message with the room's next id; committed when this returns."""
        message = StoredMessage(room, self.last_id(room) + 1, sender, text, time.time(), client_id)
        self._db.execute(
            f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (message.room, message.id, message.sender, message.text, message.timestamp, message.client_id),
        )
        self._last_ids[room] = message.id
        return message

    def after(self, room: str, after_id: int, limit: int) -> list[StoredMessage]:
        """Up to `limit` messages with id > after_id, oldest first."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND id > ? ORDER BY id LIMIT ?",
            (room, after_id, limit),
        ).fetchall()
        return [StoredMessage(*row) for row in rows]

    def before(self, room: str, before_id: int | None, limit: int) -> list[StoredMessage]:
        """Up to `limit` messages with id < before_id (the newest when None), oldest first."""
        if before_id is None:
            before_id = self.last_id(room) + 1
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?",
            (room, before_id, limit),
        ).fetchall()
        return [StoredMessage(*row) for row in reversed(rows)]

    def rooms(self) -> dict[str, int]:
        """Every room with stored messages, with its message count."""
        return dict(self._last_ids)
