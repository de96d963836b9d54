"""A history file as the previous release wrote it (schema 1), for the migration tests."""

from __future__ import annotations

import sqlite3

from server.storage.sqlite_history import SqliteHistoryStore

__all__ = ["SCHEMA_1", "make_schema_1_file"]

# The previous release's schema, as it created it: a frozen copy on purpose (server/history.py may change).
SCHEMA_1 = """
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


def make_schema_1_file(data_dir, rooms):
    """`rooms`: room -> [(sender, text)], ids from 1; an empty text is the host's delete of then."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(data_dir / SqliteHistoryStore.FILENAME)
    db.executescript(SCHEMA_1)
    for room, messages in rooms.items():
        for n, (sender, text) in enumerate(messages, start=1):
            db.execute(
                "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)",
                (room, n, sender, text, 1764000000.0 + n, f"c-{n}"),
            )
    db.commit()
    db.close()
