"""Every room's messages in a PostgreSQL database that several `lanchat serve` nodes share: the
second engine of history.HistoryStore (`lanchat serve --database postgresql://...`).

Positions: a room's counter is a row of `room_history`. Appending takes the next position and
inserts the message in ONE statement (a data-modifying WITH), so one transaction: the counter row
stays locked until the message is committed, and a node posting to the same room at that moment
waits and then reads the committed value. Two nodes therefore never take one position and never
leave one unused: the room's sequence stays dense and ordered whatever node a message came
through, and `?after=N` resumes on any of them. Edits, deletes and reactions lock the same row
(`SELECT ... FOR UPDATE`) for the few statements they need. Nothing is cached between calls: the
next call may follow another node's write.

The row also keeps the room's oldest and newest kept ids, its message count and bytes, so the
limits are the database's, whatever node wrote: trimming locks the row and re-reads it before
deleting, so two nodes past the limit at once do not both trim.

Search keeps our own stemming (search.index_words: PyStemmer, Russian and English) and stores its
forms in a `tsvector` column as they are (array_to_tsvector: what the `simple` configuration makes
of our words, without its parser's idea of a word or the database's locale in between); a query's
forms become a `tsquery` the same way. So both engines find exactly the same messages. The order
is insertion order (`seq`), newest first, as on SQLite.

psycopg 3: it speaks PostgreSQL's protocol through libpq (binary wheels, nothing to build), keeps
server-side prepared statements per connection, and has both a synchronous API (this module) and
an asyncio one with a pool for when the rooms package awaits its store.

Access is synchronous on the serving loop (see history.py): one connection in autocommit mode, so
each statement is its own transaction unless a `transaction()` block groups several. A call that
finds the connection broken (the database restarted) raises StorageFailed, and the next call
connects again. Each call (a statement, or a `_transaction` block with all of its statements) is
one call of pg_reach.py: cut at STORE_CALL_TIMEOUT_SECONDS, refused at once while the database
is away, as are the other stores' on the same database in this process.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

from server.protocol.frames import ReactionGroup
from server.storage.database_url import describe_database
from server.storage.history import (
    RETAIN_FRACTION,
    ROW_OVERHEAD_BYTES,
    AlongWithMessage,
    HistoryLimits,
    StorageFailed,
    StoredMessage,
    message_size,
)
from server.storage.pg_reach import reach_of
from server.storage.pg_schema import migrate_component, schema_versions
from server.storage.search import SEARCH_INDEX_VERSION, SearchHit, Term, index_words

__all__ = ["ROOMS_CHANNEL", "SCHEMA_VERSION", "PostgresHistoryStore", "lexemes"]

# A tsvector's lexeme holds at most this many bytes. array_to_tsvector does not check: a longer
# one comes back cut (2,148 x's as 100, which a query could then find). A query is at most
# MAX_SEARCH_QUERY_CHARS (200) characters, so leaving such words out loses no search.
_MAX_LEXEME_BYTES = 2047
# Every stored message or change is announced on this channel (LISTEN/NOTIFY) to the nodes sharing
# the database, inside its own transaction, so at its commit: the payload is a JSON array, [room,
# position] for a message and [room, position, kind] for a change (server/cluster reads the rows).
# Positions are taken under the room's row lock, so a room's notifications commit in position
# order: whoever hears position N can read every position up to N from the tables.
ROOMS_CHANNEL = "lanchat_rooms"

# Each version's statements, applied in order inside one transaction; `schema_version` says how
# far a database got. Append a version; never edit one that has shipped.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE room_history (
        room     TEXT   PRIMARY KEY,
        last     BIGINT NOT NULL,  -- the room's last position: of its newest message or change
        first_id BIGINT NOT NULL,  -- its oldest kept message (older ones were dropped)
        last_id  BIGINT NOT NULL,  -- its newest message
        count    BIGINT NOT NULL,
        size     BIGINT NOT NULL   -- bytes, as history.message_size counts them
    );
    CREATE TABLE messages (
        room       TEXT             NOT NULL,
        id         BIGINT           NOT NULL,
        sender     TEXT             NOT NULL,
        text       TEXT             NOT NULL,
        timestamp  DOUBLE PRECISION NOT NULL,
        client_id  TEXT,
        identity   TEXT,
        reply_to   BIGINT,
        edited     DOUBLE PRECISION,
        changed_at BIGINT,
        deleted    BOOLEAN          NOT NULL DEFAULT FALSE,
        seq        BIGINT GENERATED ALWAYS AS IDENTITY,  -- insertion order, for search
        words      TSVECTOR,  -- search.index_words' forms; NULL once deleted
        PRIMARY KEY (room, id)
    );
    CREATE INDEX messages_changed ON messages (room, changed_at) WHERE changed_at IS NOT NULL;
    CREATE UNIQUE INDEX messages_client_key
        ON messages (room, client_id, identity) WHERE client_id IS NOT NULL;
    CREATE INDEX messages_identity ON messages (room, identity) WHERE identity IS NOT NULL;
    CREATE INDEX messages_words ON messages USING GIN (words);
    CREATE TABLE reactions (
        room       TEXT   NOT NULL,
        message_id BIGINT NOT NULL,
        emoji      TEXT   NOT NULL,
        identity   TEXT   NOT NULL,
        name       TEXT   NOT NULL,
        position   BIGINT NOT NULL,  -- the room position of the change that added it
        first      BIGINT NOT NULL,  -- the emoji's first use on the message: the emoji's place
        PRIMARY KEY (room, message_id, emoji, identity)
    );
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)

_COLUMNS = "room, id, sender, text, timestamp, client_id, identity, reply_to, edited, changed_at, deleted"
_SIZE_SQL = (
    f"octet_length(text) + octet_length(sender) + COALESCE(length(client_id), 0) + {ROW_OVERHEAD_BYTES}"
)

# One statement, so one transaction: take the room's next position and store the message there.
# The host's total is read from the snapshot before this statement (so without this message).
_APPEND = """
WITH taken AS (
    INSERT INTO room_history AS h (room, last, first_id, last_id, count, size)
    VALUES (%(room)s, 1, 1, 1, 1, %(size)s)
    ON CONFLICT (room) DO UPDATE
        SET last = h.last + 1, last_id = h.last + 1, count = h.count + 1, size = h.size + excluded.size
    RETURNING last, count, size
), stored AS (
    INSERT INTO messages (room, id, sender, text, timestamp, client_id, identity, reply_to, words)
    SELECT %(room)s, taken.last, %(sender)s, %(text)s, %(timestamp)s, %(client_id)s, %(identity)s,
           %(reply_to)s, array_to_tsvector(%(words)s::text[])
    FROM taken
    RETURNING id
)
SELECT stored.id, taken.count, taken.size, (SELECT COALESCE(SUM(size), 0) FROM room_history)
FROM stored, taken, LATERAL pg_notify(%(channel)s, json_build_array(%(room)s::text, taken.last)::text)
"""


def lexemes(text: str) -> list[str]:
    """The forms the index keeps for a text, as PostgreSQL takes them."""
    return [form for form in index_words(text).split() if len(form.encode()) <= _MAX_LEXEME_BYTES]


def _tsquery(terms: list[Term]) -> str:
    """Every term, each in any of its forms, as a tsquery's text (lexemes quoted, no parser)."""

    def quoted(form: str) -> str:
        return "'" + form.replace("\\", "\\\\").replace("'", "''") + "'"

    return " & ".join("(" + " | ".join(quoted(form) for form in term) + ")" for term in terms)


def _message(row: tuple[Any, ...]) -> StoredMessage:
    return StoredMessage(*row)


class PostgresReactions:
    """The reactions table, on the store's connection (the store owns its transactions)."""

    def __init__(self, store: PostgresHistoryStore) -> None:
        self._store = store

    def add(self, room: str, message_id: int, emoji: str, identity: str, name: str, position: int) -> bool:
        """Whether it was new (an identity's second same emoji on a message changes nothing)."""
        cursor = self._store.execute(
            "INSERT INTO reactions (room, message_id, emoji, identity, name, position, first)"
            " VALUES (%(room)s, %(id)s, %(emoji)s, %(identity)s, %(name)s, %(position)s,"
            " COALESCE((SELECT MIN(first) FROM reactions"
            " WHERE room = %(room)s AND message_id = %(id)s AND emoji = %(emoji)s), %(position)s))"
            " ON CONFLICT DO NOTHING",
            {"room": room, "id": message_id, "emoji": emoji, "identity": identity, "name": name,
             "position": position},
        )  # fmt: skip
        return cursor.rowcount > 0

    def remove(self, room: str, message_id: int, emoji: str, identity: str) -> bool:
        cursor = self._store.execute(
            "DELETE FROM reactions WHERE room = %s AND message_id = %s AND emoji = %s AND identity = %s",
            (room, message_id, emoji, identity),
        )
        return cursor.rowcount > 0

    def emoji_count(self, room: str, message_id: int) -> int:
        row = self._store.execute(
            "SELECT COUNT(DISTINCT emoji) FROM reactions WHERE room = %s AND message_id = %s",
            (room, message_id),
        ).fetchone()
        return int(row[0]) if row else 0

    def has_emoji(self, room: str, message_id: int, emoji: str) -> bool:
        row = self._store.execute(
            "SELECT 1 FROM reactions WHERE room = %s AND message_id = %s AND emoji = %s LIMIT 1",
            (room, message_id, emoji),
        ).fetchone()
        return row is not None

    def of(self, room: str, message_ids: Iterable[int]) -> dict[int, list[ReactionGroup]]:
        wanted = sorted(set(message_ids))
        groups: dict[int, dict[str, ReactionGroup]] = {}
        if not wanted:
            return {}
        rows = self._store.execute(
            "SELECT message_id, emoji, identity, name FROM reactions"
            " WHERE room = %s AND message_id = ANY(%s) ORDER BY message_id, first, position",
            (room, wanted),
        ).fetchall()
        for message_id, emoji, identity, name in rows:
            by_emoji = groups.setdefault(message_id, {})
            group = by_emoji.setdefault(emoji, {"emoji": emoji, "by": []})
            group["by"].append({"identity": identity, "name": name})
        return {message_id: list(by_emoji.values()) for message_id, by_emoji in groups.items()}


class PostgresHistoryStore:
    def __init__(self, url: str, data_dir: Path, limits: HistoryLimits | None = None) -> None:
        self.url = url
        self.limits = limits or HistoryLimits()
        data_dir.mkdir(parents=True, exist_ok=True)
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        self._reach = reach_of(url)
        self._in_transaction = False
        self.reactions = PostgresReactions(self)
        try:
            with self._guard():
                self._migrate()
        except BaseException:
            self.close()
            raise

    # --- the connection ---

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._conn is not None:
                self._conn.close()
            self._conn = self._reach.connect()
        return self._conn

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """A database error leaves as StorageFailed: the rooms know no psycopg."""
        try:
            yield
        except psycopg.Error as exc:
            raise StorageFailed(f"{describe_database(self.url)}: {exc}") from exc

    def execute(self, query: str, params: Any = None) -> psycopg.Cursor[tuple[Any, ...]]:
        if self._in_transaction:  # a statement of the call under way (never a new connection:
            assert self._conn is not None  # its statements would commit on their own)
            return self._conn.execute(query, params)
        with self._reach.call(self._connection) as db:
            return db.execute(query, params)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """Several statements as one transaction, and one call (pg_reach's bound holds for all)."""
        with self._reach.call(self._connection) as db, db.transaction():
            self._in_transaction = True
            try:
                yield
            finally:
                self._in_transaction = False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def _migrate(self) -> None:
        """Create the schema, or bring an older one to this version, in one transaction; index
        again what an older search.index_words indexed."""
        db = self._connection()
        with db.transaction():
            migrate_component(db, "history", _MIGRATIONS, describe_database(self.url))
            if schema_versions(db).get("search_index", SEARCH_INDEX_VERSION) != SEARCH_INDEX_VERSION:
                self._index_again(db)
            db.execute(
                "INSERT INTO schema_version (component, version) VALUES ('search_index', %s)"
                " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                (SEARCH_INDEX_VERSION,),
            )

    @staticmethod
    def _index_again(db: psycopg.Connection[tuple[Any, ...]]) -> None:
        rows = db.execute("SELECT room, id, text FROM messages WHERE NOT deleted").fetchall()
        with db.cursor() as cursor:
            cursor.executemany(
                "UPDATE messages SET words = array_to_tsvector(%s::text[]) WHERE room = %s AND id = %s",
                [(lexemes(text), room, message_id) for room, message_id, text in rows],
            )

    # --- reading ---

    def _room_value(self, room: str, column: str) -> int:
        row = self.execute(f"SELECT {column} FROM room_history WHERE room = %s", (room,)).fetchone()
        return int(row[0]) if row else 0

    def position(self, room: str) -> int:
        return self._room_value(room, "last")

    def last_id(self, room: str) -> int:
        return self._room_value(room, "last_id")

    def first_id(self, room: str) -> int:
        return self._room_value(room, "first_id")

    @property
    def size(self) -> int:
        row = self.execute("SELECT COALESCE(SUM(size), 0) FROM room_history").fetchone()
        return int(row[0]) if row else 0

    def rooms(self) -> dict[str, int]:
        rows = self.execute("SELECT room, count FROM room_history WHERE count > 0").fetchall()
        return {room: int(count) for room, count in rows}

    def find_client_id(
        self, room: str, client_id: str, identity: str | None, sender: str
    ) -> StoredMessage | None:
        if identity is not None:
            row = self.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE room = %s AND client_id = %s AND identity = %s",
                (room, client_id, identity),
            ).fetchone()
        else:
            row = self.execute(
                f"SELECT {_COLUMNS} FROM messages"
                " WHERE room = %s AND client_id = %s AND identity IS NULL AND sender = %s",
                (room, client_id, sender),
            ).fetchone()
        return _message(row) if row else None

    def has_written(self, room: str, identity: str) -> bool:
        row = self.execute(
            "SELECT 1 FROM messages WHERE room = %s AND identity = %s LIMIT 1", (room, identity)
        ).fetchone()
        return row is not None

    def authors(self, room: str, after_id: int, up_to: int) -> list[tuple[int, str]]:
        """(id, identity) of the messages in (after_id, up_to] sent by an identity, oldest first."""
        rows = self.execute(
            "SELECT id, identity FROM messages WHERE room = %s AND id > %s AND id <= %s"
            " AND identity IS NOT NULL ORDER BY id",
            (room, after_id, up_to),
        ).fetchall()
        return [(int(row[0]), str(row[1])) for row in rows]

    def get(self, room: str, message_id: int) -> StoredMessage | None:
        row = self.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = %s AND id = %s", (room, message_id)
        ).fetchone()
        return _message(row) if row else None

    def get_many(self, room: str, message_ids: Iterable[int]) -> dict[int, StoredMessage]:
        wanted = sorted(set(message_ids))
        if not wanted:
            return {}
        rows = self.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = %s AND id = ANY(%s)", (room, wanted)
        ).fetchall()
        return {message.id: message for message in map(_message, rows)}

    def after(self, room: str, after_id: int, limit: int) -> list[StoredMessage]:
        rows = self.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = %s AND id > %s ORDER BY id LIMIT %s",
            (room, after_id, limit),
        ).fetchall()
        return [_message(row) for row in rows]

    def changed(
        self, room: str, after: int, until: int, limit: int, *, since: int | None = None
    ) -> list[StoredMessage]:
        rows = self.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = %s AND changed_at > %s AND changed_at <= %s"
            " AND id <= %s ORDER BY changed_at LIMIT %s",
            (room, after if since is None else since, until, after, limit),
        ).fetchall()
        return [_message(row) for row in rows]

    def moved(self, room: str, after: int, until: int, limit: int) -> list[StoredMessage]:
        """What the room's positions (after, until] hold, in position order: the messages stored
        there, and the messages up to `after` changed there (server/cluster reads what another node
        stored with this: one round trip)."""
        rows = self.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = %(room)s AND ("
            " (id > %(after)s AND id <= %(until)s)"
            " OR (id <= %(after)s AND changed_at > %(after)s AND changed_at <= %(until)s))"
            " ORDER BY CASE WHEN id > %(after)s THEN id ELSE changed_at END LIMIT %(limit)s",
            {"room": room, "after": after, "until": until, "limit": limit},
        ).fetchall()
        return [_message(row) for row in rows]

    def recent_start(self, room: str, count: int) -> int:
        row = self.execute(
            "SELECT id FROM messages WHERE room = %s ORDER BY id DESC LIMIT 1 OFFSET %s", (room, count)
        ).fetchone()
        return int(row[0]) if row else 0

    def before(self, room: str, before_id: int | None, limit: int) -> list[StoredMessage]:
        if before_id is None:
            rows = self.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE room = %s ORDER BY id DESC LIMIT %s", (room, limit)
            ).fetchall()
        else:
            rows = self.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE room = %s AND id < %s ORDER BY id DESC LIMIT %s",
                (room, before_id, limit),
            ).fetchall()
        return [_message(row) for row in reversed(rows)]

    def around(self, room: str, message_id: int, limit: int) -> tuple[list[StoredMessage], bool]:
        older = self.before(room, message_id, limit // 2)
        rows = self.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = %s AND id >= %s ORDER BY id LIMIT %s",
            (room, message_id, limit - len(older) + 1),
        ).fetchall()
        newer = [_message(row) for row in rows]
        more = len(newer) > limit - len(older)
        return older + newer[: limit - len(older)], more

    def search(self, terms: list[Term], rooms: list[str], offset: int, limit: int) -> list[SearchHit]:
        if not rooms:
            return []
        rows = self.execute(
            "SELECT room, id, sender, timestamp, text FROM messages"
            " WHERE room = ANY(%s) AND words @@ %s::tsquery ORDER BY seq DESC LIMIT %s OFFSET %s",
            (rooms, _tsquery(terms), limit, offset),
        ).fetchall()
        return [SearchHit(*row) for row in rows]

    # --- writing ---

    def append(
        self,
        room: str,
        sender: str,
        text: str,
        client_id: str | None = None,
        *,
        identity: str | None = None,
        reply_to: int | None = None,
        along: AlongWithMessage | None = None,
    ) -> StoredMessage:
        """`along` runs in the transaction that stores the message: the room's row stays locked
        and the notification unsent until both commit, so another node reads the message with
        its files or not at all, and a later position waits for them (history.AlongWithMessage)."""
        timestamp = time.time()
        with self._transaction() if along is not None else nullcontext():
            row = self._append_row(room, sender, text, client_id, identity, reply_to, timestamp)
            message = StoredMessage(room, row[0], sender, text, timestamp, client_id, identity, reply_to)
            if along is not None:
                along(self._conn, message)
        _, count, room_size, others = row
        # `others` counted this room's row as it was before the message.
        host_size = others + message_size(sender, text, client_id)
        self._keep_within_limits(room, count, room_size, host_size)
        return message

    def _append_row(
        self,
        room: str,
        sender: str,
        text: str,
        client_id: str | None,
        identity: str | None,
        reply_to: int | None,
        timestamp: float,
    ) -> tuple[int, int, int, int]:
        """The message's position, the room's count and size after it, and the host's size before."""
        row = self.execute(
            _APPEND,
            {
                "channel": ROOMS_CHANNEL,
                "room": room,
                "size": message_size(sender, text, client_id),
                "sender": sender,
                "text": text,
                "timestamp": timestamp,
                "client_id": client_id,
                "identity": identity,
                "reply_to": reply_to,
                "words": lexemes(text),
            },
        ).fetchone()
        assert row is not None
        position, count, room_size, others = (int(value) for value in row)
        return position, count, room_size, others

    def _take_position(self, room: str) -> int:
        """The room's next position, its counter row locked to the end of the caller's transaction."""
        row = self.execute("SELECT last FROM room_history WHERE room = %s FOR UPDATE", (room,)).fetchone()
        assert row is not None, f"no history row for room {room!r}"
        position = int(row[0]) + 1
        self.execute("UPDATE room_history SET last = %s WHERE room = %s", (position, room))
        return position

    def edit(self, room: str, message_id: int, text: str) -> StoredMessage:
        message = self.get(room, message_id)
        assert message is not None and not message.deleted
        edited = time.time()
        with self._transaction():
            position = self._take_position(room)
            self.execute(
                "UPDATE messages SET text = %s, edited = %s, changed_at = %s,"
                " words = array_to_tsvector(%s::text[]) WHERE room = %s AND id = %s",
                (text, edited, position, lexemes(text), room, message_id),
            )
            self._resized(room, len(text.encode()) - len(message.text.encode()))
            self._notify_change(room, position, "edit")
        return replace(message, text=text, edited=edited, changed_at=position)

    def delete(
        self, room: str, message_id: int, *, along: AlongWithMessage | None = None
    ) -> StoredMessage | None:
        """`along`: what goes with the message (`lanchat admin` drops its files' records), in the
        same transaction."""
        message = self.get(room, message_id)
        if message is None or message.deleted:
            return message
        with self._transaction():
            position = self._take_position(room)  # first, as append: one lock order for all
            self.execute(
                "UPDATE messages SET text = '', deleted = TRUE, changed_at = %s, words = NULL"
                " WHERE room = %s AND id = %s",
                (position, room, message_id),
            )
            self.execute("DELETE FROM reactions WHERE room = %s AND message_id = %s", (room, message_id))
            self._resized(room, -len(message.text.encode()))
            self._notify_change(room, position, "delete")
            deleted = replace(message, text="", deleted=True, changed_at=position)
            if along is not None:
                along(self._conn, deleted)
        return deleted

    def react(
        self, room: str, message_id: int, emoji: str, identity: str, name: str, on: bool
    ) -> StoredMessage | None:
        message = self.get(room, message_id)
        assert message is not None and not message.deleted
        with self._transaction():
            row = self.execute("SELECT last FROM room_history WHERE room = %s FOR UPDATE", (room,)).fetchone()
            assert row is not None
            position = int(row[0]) + 1
            changed = (
                self.reactions.add(room, message_id, emoji, identity, name, position)
                if on
                else self.reactions.remove(room, message_id, emoji, identity)
            )
            if not changed:
                return None
            self.execute("UPDATE room_history SET last = %s WHERE room = %s", (position, room))
            self.execute(
                "UPDATE messages SET changed_at = %s WHERE room = %s AND id = %s",
                (position, room, message_id),
            )
            self._notify_change(room, position, "reaction")
        return replace(message, changed_at=position)

    def _notify_change(self, room: str, position: int, kind: str) -> None:
        """Tell the other nodes, when this transaction commits (see ROOMS_CHANNEL)."""
        self.execute(
            "SELECT pg_notify(%s, json_build_array(%s::text, %s::bigint, %s::text)::text)",
            (ROOMS_CHANNEL, room, position, kind),
        )

    def _resized(self, room: str, delta: int) -> None:
        self.execute("UPDATE room_history SET size = size + %s WHERE room = %s", (delta, room))

    # --- the limits ---

    def _keep_within_limits(self, room: str, count: int, room_size: int, host_size: int) -> None:
        limits = self.limits
        if count > limits.room_messages or room_size > limits.room_bytes:
            self._drop_oldest(
                room,
                keep_count=int(limits.room_messages * RETAIN_FRACTION),
                keep_bytes=int(limits.room_bytes * RETAIN_FRACTION),
            )
            host_size = self.size
        while host_size > limits.host_bytes:
            row = self.execute("SELECT room FROM room_history ORDER BY size DESC, room LIMIT 1").fetchone()
            assert row is not None
            excess = host_size - int(limits.host_bytes * RETAIN_FRACTION)
            self._drop_oldest(row[0], free_bytes=excess)
            before, host_size = host_size, self.size
            if host_size >= before:
                return  # only newest messages are left (or another node trims): nothing more may go

    def _drop_oldest(
        self, room: str, *, keep_count: int | None = None, keep_bytes: int | None = None, free_bytes: int = 0
    ) -> None:
        """Drop the room's oldest messages, never its newest: down to `keep_count` messages and
        `keep_bytes` bytes, or `free_bytes` bytes of it. Reads the room's row under its lock, so
        a node that trimmed it a moment ago leaves nothing for this one to do."""
        with self._transaction():
            row = self.execute(
                "SELECT last_id, count, size FROM room_history WHERE room = %s FOR UPDATE", (room,)
            ).fetchone()
            assert row is not None
            last_id, now_count, now_size = (int(value) for value in row)
            want_count = max(0, now_count - keep_count) if keep_count is not None else 0
            want_size = max(0, now_size - keep_bytes if keep_bytes is not None else 0, free_bytes)
            if want_count <= 0 and want_size <= 0:
                return
            # The first id where both are reached; the window runs in id order, so LIMIT 1 stops it.
            cut = self.execute(
                f"SELECT id, n, freed FROM (SELECT id, ROW_NUMBER() OVER w AS n, SUM({_SIZE_SQL}) OVER w"
                " AS freed FROM messages WHERE room = %s AND id < %s WINDOW w AS (ORDER BY id)) AS older"
                " WHERE n >= %s AND freed >= %s ORDER BY id LIMIT 1",
                (room, last_id, want_count, want_size),
            ).fetchone()
            if cut is None:  # not that much before the newest: all of it goes
                cut = self.execute(
                    f"SELECT MAX(id), COUNT(*), SUM({_SIZE_SQL}) FROM messages WHERE room = %s AND id < %s",
                    (room, last_id),
                ).fetchone()
            assert cut is not None
            if cut[0] is None:
                return
            through, dropped, freed = (int(value) for value in cut)
            self.execute("DELETE FROM messages WHERE room = %s AND id <= %s", (room, through))
            self.execute("DELETE FROM reactions WHERE room = %s AND message_id <= %s", (room, through))
            self.execute(
                "UPDATE room_history SET first_id = %s, count = count - %s, size = size - %s WHERE room = %s",
                (through + 1, dropped, freed, room),
            )
