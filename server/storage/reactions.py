"""Reactions to stored messages: who put which emoji on which message, in their own table.

The history store (history.py) owns the SQLite connection and its transactions; this module only
knows the reactions table. A reaction is one identity's emoji on one message; the name is the one
the identity used in the room then, for "who reacted" lists.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from server.protocol.frames import ReactionGroup

__all__ = ["Reactions", "chunks"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reactions (
    room       TEXT    NOT NULL,
    message_id INTEGER NOT NULL,
    emoji      TEXT    NOT NULL,
    identity   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    position   INTEGER NOT NULL,  -- the room position of the change that added it: who came first
    first      INTEGER NOT NULL,  -- the emoji's first use on the message: the emoji's place
    PRIMARY KEY (room, message_id, emoji, identity)
) WITHOUT ROWID;
"""

# SQLite's default limit of host parameters in one statement is 32,766 (999 before 3.32): well under.
_CHUNK = 500


def chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class Reactions:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.executescript(_SCHEMA)

    def add(self, room: str, message_id: int, emoji: str, identity: str, name: str, position: int) -> bool:
        """Whether it was new (an identity's second same emoji on a message changes nothing)."""
        # An emoji keeps its place while anyone still has it on, though its first reactor took it back.
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO reactions (room, message_id, emoji, identity, name, position, first)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, COALESCE((SELECT MIN(first) FROM reactions"
            " WHERE room = ?1 AND message_id = ?2 AND emoji = ?3), ?6))",
            (room, message_id, emoji, identity, name, position),
        )
        return cursor.rowcount > 0

    def remove(self, room: str, message_id: int, emoji: str, identity: str) -> bool:
        cursor = self._db.execute(
            "DELETE FROM reactions WHERE room = ? AND message_id = ? AND emoji = ? AND identity = ?",
            (room, message_id, emoji, identity),
        )
        return cursor.rowcount > 0

    def emoji_count(self, room: str, message_id: int) -> int:
        """How many distinct emoji the message carries."""
        (count,) = self._db.execute(
            "SELECT COUNT(DISTINCT emoji) FROM reactions WHERE room = ? AND message_id = ?",
            (room, message_id),
        ).fetchone()
        return int(count)

    def has_emoji(self, room: str, message_id: int, emoji: str) -> bool:
        return (
            self._db.execute(
                "SELECT 1 FROM reactions WHERE room = ? AND message_id = ? AND emoji = ? LIMIT 1",
                (room, message_id, emoji),
            ).fetchone()
            is not None
        )

    def clear(self, room: str, message_ids: Iterable[int]) -> None:
        for chunk in chunks(sorted(set(message_ids))):
            marks = ",".join("?" * len(chunk))
            self._db.execute(
                f"DELETE FROM reactions WHERE room = ? AND message_id IN ({marks})", (room, *chunk)
            )

    def drop_through(self, room: str, last_dropped: int) -> None:
        """The history let the room's messages up to `last_dropped` go: their reactions go too."""
        self._db.execute("DELETE FROM reactions WHERE room = ? AND message_id <= ?", (room, last_dropped))

    def of(self, room: str, message_ids: Iterable[int]) -> dict[int, list[ReactionGroup]]:
        """The reactions of these messages (those with any): each emoji in the order of its first use
        (kept while anyone has it on), its reactors in the order they reacted."""
        groups: dict[int, dict[str, ReactionGroup]] = {}
        for chunk in chunks(sorted(set(message_ids))):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT message_id, emoji, identity, name FROM reactions"
                f" WHERE room = ? AND message_id IN ({marks}) ORDER BY message_id, first, position",
                (room, *chunk),
            )
            for message_id, emoji, identity, name in rows:
                by_emoji = groups.setdefault(message_id, {})
                group = by_emoji.setdefault(emoji, {"emoji": emoji, "by": []})
                group["by"].append({"identity": identity, "name": name})
        return {message_id: list(by_emoji.values()) for message_id, by_emoji in groups.items()}
