"""Read receipts in the PostgreSQL database a cluster's nodes share: the second engine of
receipts.ReceiptStore (`lanchat serve --database postgresql://...`).

One table, `read_receipts`, as on SQLite: the highest position per (room, identity), with the
name, at most a bound per room. Its schema is a component of its own ("receipts") in
pg_schema's versioned chains. Every node reads and writes it, so a hello on any node lists the
receipts kept through every node, and an identity that opts out on one node is forgotten for all.

A receipt that moved is announced on RECEIPTS_CHANNEL in the statement that keeps it, so at its
commit, and only when it did move (a seen frame not further than the kept one says nothing). The
payload is the receipt itself, not a pointer to a row: [room, identity, name, position, where it
stood before, the announcing store's `origin`]. Receipts move about once a second per reader
while a room is busy; carrying the few fields lets the other nodes fold them into their next
`receipts` frame with no query on their serving loop, and `origin` lets the node that kept it
skip its own (it told its members already). Every field is bounded (a room name, an identity, a
member name and two integers): far below NOTIFY's 8,000 bytes.

Statements go through the history store's connection (its reconnection, its time bound, its
StorageFailed), in autocommit: each keep is one statement, plus one that trims a room past its
bound when a new identity joined it.
"""

from __future__ import annotations

import secrets
from typing import Any

import psycopg

from server.protocol.frames import SeenEntry
from server.storage.database_url import describe_database
from server.storage.history import StorageFailed
from server.storage.pg_schema import migrate_component
from server.storage.postgres_history import PostgresHistoryStore

__all__ = ["COMPONENT", "RECEIPTS_CHANNEL", "PostgresReceipts", "migrate_receipts"]

COMPONENT = "receipts"
RECEIPTS_CHANNEL = "lanchat_receipts"

# Append a version; never edit one that has shipped.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE read_receipts (
        room     TEXT   NOT NULL,
        identity TEXT   NOT NULL,
        name     TEXT   NOT NULL,  -- the identity's name when it last moved
        seen_id  BIGINT NOT NULL,  -- the highest room position it said it has seen
        PRIMARY KEY (room, identity)
    );
    """,
)

# The identity's order is SQLite's (bytes), whatever the database's collation: ties come out the
# same on both engines.
_ORDER = 'seen_id DESC, identity COLLATE "C"'

# One statement: keep the receipt when it is further (the conflict's WHERE is checked against the
# row as locked, so two nodes keeping one identity's receipt at once leave the higher), and
# announce it. No row back: it was not further. `prior` is read from the statement's snapshot:
# it only says where the covered stretch starts, for finding authors.
_KEEP = f"""
WITH prior AS (
    SELECT seen_id FROM read_receipts WHERE room = %(room)s AND identity = %(identity)s
), kept AS (
    INSERT INTO read_receipts AS r (room, identity, name, seen_id)
    VALUES (%(room)s, %(identity)s, %(name)s, %(seen_id)s)
    ON CONFLICT (room, identity) DO UPDATE SET name = excluded.name, seen_id = excluded.seen_id
        WHERE r.seen_id < excluded.seen_id
    RETURNING seen_id
), was AS (
    SELECT COALESCE((SELECT seen_id FROM prior), 0) AS seen_id
)
SELECT was.seen_id
FROM kept, was, LATERAL (
    SELECT pg_notify(
        '{RECEIPTS_CHANNEL}',
        json_build_array(%(room)s::text, %(identity)s::text, %(name)s::text, %(seen_id)s::bigint,
                         was.seen_id, %(origin)s::text)::text
    )
) AS told
"""

_TRIM = f"""
DELETE FROM read_receipts WHERE room = %(room)s AND identity IN (
    SELECT identity FROM read_receipts WHERE room = %(room)s ORDER BY {_ORDER} OFFSET %(max)s
)
"""


def migrate_receipts(db: psycopg.Connection[tuple[Any, ...]], where: str) -> int:
    """Bring the receipts' table to this version, inside the caller's transaction."""
    return migrate_component(db, COMPONENT, _MIGRATIONS, where)


class PostgresReceipts:
    def __init__(self, history: PostgresHistoryStore) -> None:
        self._history = history
        # Names this store's announcements, so the node that kept a receipt skips hearing it.
        self.origin = secrets.token_hex(8)
        where = describe_database(history.url)
        try:
            with psycopg.connect(history.url, autocommit=True) as db, db.transaction():
                migrate_receipts(db, where)
        except psycopg.Error as exc:
            raise StorageFailed(f"{where}: {exc}") from exc

    def close(self) -> None:
        pass  # the history store's connection: it closes it

    def in_room(self, room: str) -> list[SeenEntry]:
        rows = self._history.execute(
            f"SELECT identity, name, seen_id FROM read_receipts WHERE room = %s ORDER BY {_ORDER}", (room,)
        ).fetchall()
        return [{"identity": identity, "name": name, "id": int(seen_id)} for identity, name, seen_id in rows]

    def forget(self, room: str, identity: str) -> None:
        self._history.execute("DELETE FROM read_receipts WHERE room = %s AND identity = %s", (room, identity))

    def keep(self, room: str, identity: str, name: str, seen_id: int, max_per_room: int) -> int | None:
        params = {"room": room, "identity": identity, "name": name, "seen_id": seen_id, "origin": self.origin}
        row = self._history.execute(_KEEP, params).fetchone()
        if row is None:
            return None
        before = int(row[0])
        if before == 0:  # a new identity in the room: it may be past its bound now
            self._history.execute(_TRIM, {"room": room, "max": max_per_room})
        return before
