"""Every room's messages in one SQLite file (WAL), so history survives restarts: the default engine
of history.HistoryStore.

Writes run on the event loop thread: with WAL and synchronous=NORMAL a commit is a
write into the log without fsync (tens of microseconds), far cheaper than a hop to
a worker thread, and it keeps store-then-broadcast one ordered step. A process
crash loses nothing committed; a power cut may lose the last moments.

Folding the log into the main file (a checkpoint, with its fsyncs) is the store's own thread's
work (WalCheckpointer), not the commit's that happens to fill the log: SQLite's automatic
checkpoint runs inside that COMMIT, on the event loop, and took 3 to 20 ms there about every
hundred messages (a message and its search index wrote some nine pages): in a room paced at 20
messages a second those were the slowest messages, each late for all its members. What a commit
guarantees is the same either way: the checkpoint only moves committed pages.

For the same reason a new message's words go into the search index in a batch on the loop,
SEARCH_INDEX_AFTER_SECONDS later (after its fan-out), not in its own commit (search.py); a search
indexes whatever is still waiting first, so it finds every stored message.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from server.storage import search as fulltext
from server.storage.disk import FreeSpace
from server.storage.history import (
    RETAIN_FRACTION,
    ROW_OVERHEAD_BYTES,
    AlongWithMessage,
    HistoryLimits,
    StoredMessage,
    message_size,
)
from server.storage.reactions import Reactions
from server.storage.reactions import chunks as _chunks

__all__ = [
    "AUTOCHECKPOINT_BACKSTOP_PAGES",
    "CHECKPOINT_AFTER_COMMITS",
    "CHECKPOINT_QUIET_SECONDS",
    "SCHEMA_VERSION",
    "SEARCH_INDEX_AFTER_SECONDS",
    "SqliteHistoryStore",
    "WalCheckpointer",
]

log = logging.getLogger("lanchat.history")

# A checkpoint waits for the rooms to be quiet this long (no commit meanwhile): the fsyncs of a
# checkpoint slow the writes that meet them (the file system makes a write to a page being synced
# wait), so they are best done between messages' bursts: a checkpoint each second under appends
# paced at 60 a second still put a few commits at 5 to 25 ms (load 7 to 9, docs/benchmarks.md).
CHECKPOINT_QUIET_SECONDS = 0.5
# In rooms that never go quiet for that long, a checkpoint after this many commits anyway: about 2,500
# pages of log (10 MiB), every 25 s at 20 messages a second.
CHECKPOINT_AFTER_COMMITS = 500
# SQLite's own checkpoint in a COMMIT stays on only as a backstop, for a log this many pages long
# (about 40 MiB): should the thread ever fall behind, the log does not grow without bound. Ten
# times SQLite's default and four times CHECKPOINT_AFTER_COMMITS' log, so the thread is always first.
AUTOCHECKPOINT_BACKSTOP_PAGES = 10_000
# A new message's words are indexed this long after it, together with whatever else came meanwhile:
# at 20 messages a second a batch of ten, one FTS5 segment (and one merge's share) for all of them.
SEARCH_INDEX_AFTER_SECONDS = 0.5

# A message's size in the store, in SQL as history.message_size counts it in Python.
_SIZE_SQL = (
    f"LENGTH(CAST(text AS BLOB)) + LENGTH(CAST(sender AS BLOB)) + COALESCE(LENGTH(client_id), 0)"
    f" + {ROW_OVERHEAD_BYTES}"
)


class WalCheckpointer:
    """Checkpoints a WAL database from a thread and a connection of its own, once the writes have
    been quiet for `quiet_seconds` (or `after_commits` came without such a pause): PASSIVE, so it
    never waits for (nor holds up) the writer, and SQLite releases the GIL for its I/O and fsyncs.
    Started by the first write, so a store that is only read costs no thread."""

    def __init__(
        self,
        path: Path,
        quiet_seconds: float = CHECKPOINT_QUIET_SECONDS,
        after_commits: int = CHECKPOINT_AFTER_COMMITS,
    ) -> None:
        self.path = path
        self.quiet_seconds = quiet_seconds
        self.after_commits = after_commits
        self.checkpoints = 0  # done so far (the tests wait on it)
        self._commits = 0  # since the last checkpoint (counted without a lock: roughly is enough)
        self._written = threading.Event()
        self._due = threading.Event()  # after_commits came: no waiting for quiet
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    def written(self) -> None:
        """A commit went into the log. On the writer's path: a count, an attribute read, and a
        wake at most once per quiet period."""
        self._commits += 1
        if self._commits >= self.after_commits:
            self._due.set()
        if self._written.is_set() or self._closing.is_set():
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="lanchat-wal-checkpoint", daemon=True)
            self._thread.start()
        self._written.set()

    def close(self) -> None:
        """Stop the thread (a checkpoint under way finishes first)."""
        self._closing.set()
        self._written.set()
        self._due.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            while True:
                self._written.wait()
                while True:  # until a quiet period passes with no commit, or the log is long
                    self._written.clear()
                    due = self._due.wait(self.quiet_seconds)
                    if self._closing.is_set():
                        return
                    if due or not self._written.is_set():
                        break
                self._due.clear()
                self._commits = 0
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # the next write asks again; the backstop stays
                    log.warning("could not checkpoint %s: %s", self.path, exc)
                self.checkpoints += 1
        finally:
            db.close()


@dataclass(slots=True)
class RoomStats:
    first_id: int  # the oldest kept message's id (older ones were dropped)
    last_id: int
    count: int
    size: int  # bytes, as message_size counts them


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
"""

# Schema 2 (issue 15): one position counter per room that messages and changes share, the sender's
# identity, replies, edits and deletes on the row, reactions beside it. Added to a file of schema 1
# in place: its ids already increase, so its counter starts at the room's newest id.
_COLUMNS_ADDED = (
    ("identity", "TEXT"),
    ("reply_to", "INTEGER"),
    ("edited", "REAL"),
    ("changed_at", "INTEGER"),  # the position of the message's latest change; NULL if never changed
    ("deleted", "INTEGER NOT NULL DEFAULT 0"),
)
_SCHEMA_2 = """
CREATE TABLE IF NOT EXISTS room_positions (
    room TEXT    PRIMARY KEY,
    last INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_changed
    ON messages (room, changed_at) WHERE changed_at IS NOT NULL;
"""
# Schema 3: a client's message id is its own, not the room's: unique per sender's identity, so
# another client repeating someone's client_id can neither have their next message taken for a
# repeat nor make it fail to store. (Clients without an identity have NULL there: the index lets
# those repeat, and find_client_id tells them apart by sender.)
_SCHEMA_3 = """
DROP INDEX IF EXISTS messages_client_id;
CREATE UNIQUE INDEX IF NOT EXISTS messages_client_key
    ON messages (room, client_id, identity) WHERE client_id IS NOT NULL;
"""
SCHEMA_VERSION = 3


_COLUMNS = "room, id, sender, text, timestamp, client_id, identity, reply_to, edited, changed_at, deleted"


def _message(row: tuple[object, ...]) -> StoredMessage:
    *fields, deleted = row
    return StoredMessage(*fields, deleted=bool(deleted))  # type: ignore[arg-type, misc]


class SqliteHistoryStore:
    FILENAME = "history.sqlite3"

    def __init__(self, data_dir: Path, limits: HistoryLimits | None = None) -> None:
        self.limits = limits or HistoryLimits()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / self.FILENAME
        # isolation_level=None: autocommit, one message one transaction. The connection stays
        # on the thread that opened it (the event loop's): sqlite3 refuses any other.
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._closed = False
        self._index_timer: asyncio.TimerHandle | None = None
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints are the WalCheckpointer's; SQLite's own only past the backstop.
        self._db.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_BACKSTOP_PAGES}")
        self.checkpointer = WalCheckpointer(self.path)
        # A deleted message's words must not linger in the file's free pages.
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(_SCHEMA)
        self._migrate()
        fulltext.install(self._db)  # the search index's triggers follow `messages` from here on
        self.reactions = Reactions(self._db)
        # The oldest may have been dropped, the newest never is, so a room's ids go on from where
        # they were after a restart. Read once here (one pass over the file): the room list, every
        # append and the limits use it.
        self._rooms: dict[str, RoomStats] = {
            room: RoomStats(first, last, count, size)
            for room, first, last, count, size in self._db.execute(
                f"SELECT room, MIN(id), MAX(id), COUNT(*), SUM({_SIZE_SQL}) FROM messages GROUP BY room"
            )
        }
        self._positions: dict[str, int] = dict(self._db.execute("SELECT room, last FROM room_positions"))
        self._size = sum(stats.size for stats in self._rooms.values())
        self._disk = FreeSpace(self.path.parent, self.limits.min_free_disk_bytes)

    def _migrate(self) -> None:
        """Bring a file of an older schema to this one, in one transaction (all of it, or none)."""
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version >= SCHEMA_VERSION:
            return
        have = {row[1] for row in self._db.execute("PRAGMA table_info(messages)")}
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for column, kind in _COLUMNS_ADDED:
                if column not in have:
                    self._db.execute(f"ALTER TABLE messages ADD COLUMN {column} {kind}")
            # Schema 1 marked the host's deletes by an empty text (a posted text is never empty).
            self._db.execute("UPDATE messages SET deleted = 1 WHERE text = '' AND deleted = 0")
            for statement in (_SCHEMA_2 + _SCHEMA_3).split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(
                "INSERT OR IGNORE INTO room_positions (room, last)"
                " SELECT room, MAX(id) FROM messages GROUP BY room"
            )
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._index_now()  # the TRUNCATE below is the checkpoint: no thread for it
        self.checkpointer.close()
        # A checkpoint folds the WAL into the main file so a copy of it alone is complete.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()

    def position(self, room: str) -> int:
        """The room's last position: of its newest message or change; 0 for a room with none."""
        return self._positions.get(room, 0)

    def last_id(self, room: str) -> int:
        """The id of the room's newest message; 0 for a room with none."""
        stats = self._rooms.get(room)
        return stats.last_id if stats else 0

    def first_id(self, room: str) -> int:
        """The id of the room's oldest kept message; 0 for a room with none."""
        stats = self._rooms.get(room)
        return stats.first_id if stats else 0

    @property
    def size(self) -> int:
        """Bytes of history kept, all rooms together, as message_size counts them."""
        return self._size

    def find_client_id(
        self, room: str, client_id: str, identity: str | None, sender: str
    ) -> StoredMessage | None:
        """The message this sender stored under `client_id`: by identity, or for a client without
        one by its name (ids are a client's own: another client's repeat of one is not a repeat)."""
        if identity is not None:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND client_id = ? AND identity = ?",
                (room, client_id, identity),
            ).fetchone()
        else:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM messages"
                " WHERE room = ? AND client_id = ? AND identity IS NULL AND sender = ?",
                (room, client_id, sender),
            ).fetchone()
        return _message(row) if row else None

    def has_written(self, room: str, identity: str) -> bool:
        """Whether `identity` sent a message `room` still keeps."""
        row = self._db.execute(
            "SELECT 1 FROM messages WHERE room = ? AND identity = ? LIMIT 1", (room, identity)
        ).fetchone()
        return row is not None

    def authors(self, room: str, after_id: int, up_to: int) -> list[tuple[int, str]]:
        """(id, identity) of the messages in (after_id, up_to] sent by an identity, oldest first."""
        return self._db.execute(
            "SELECT id, identity FROM messages WHERE room = ? AND id > ? AND id <= ?"
            " AND identity IS NOT NULL ORDER BY id",
            (room, after_id, up_to),
        ).fetchall()

    def get(self, room: str, message_id: int) -> StoredMessage | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND id = ?", (room, message_id)
        ).fetchone()
        return _message(row) if row else None

    def get_many(self, room: str, message_ids: Iterable[int]) -> dict[int, StoredMessage]:
        wanted = sorted(set(message_ids))
        found: dict[int, StoredMessage] = {}
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND id IN ({marks})", (room, *chunk)
            ):
                message = _message(row)
                found[message.id] = message
        return found

    def _next_position(self, room: str) -> int:
        """Take the room's next position (inside the caller's transaction)."""
        position = self._positions.get(room, 0) + 1
        self._db.execute(
            "INSERT INTO room_positions (room, last) VALUES (?, ?)"
            " ON CONFLICT (room) DO UPDATE SET last = excluded.last",
            (room, position),
        )
        return position

    @contextmanager
    def _transaction(self, room: str) -> Iterator[None]:
        """One change: its rows and the room's counter together. The counter in memory moves only
        once the transaction committed."""
        before = self._positions.get(room, 0)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            self._positions[room] = before
            raise
        self.checkpointer.written()

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
        """Store a message at the room's next position; committed when this returns. Older messages
        may go to keep within the limits. Raises DiskNearlyFull (nothing stored) when the disk is.
        `along` is called once the message is stored: nobody else reads this file, so nobody can
        read the message before it."""
        self._check_free_space()
        with self._transaction(room):
            position = self._next_position(room)
            message = StoredMessage(room, position, sender, text, time.time(), client_id, identity, reply_to)
            self._db.execute(
                "INSERT INTO messages (room, id, sender, text, timestamp, client_id, identity, reply_to)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (room, position, sender, text, message.timestamp, client_id, identity, reply_to),
            )
            self._positions[room] = position
        size = message_size(sender, text, client_id)
        stats = self._rooms.get(room)
        if stats is None:
            stats = self._rooms[room] = RoomStats(message.id, message.id, 0, 0)
        stats.last_id = message.id
        stats.count += 1
        stats.size += size
        self._size += size
        self._keep_within_limits(room, stats)
        self._index_soon()
        if along is not None:
            along(None, message)
        return message

    def _index_soon(self) -> None:
        if self._index_timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a tool, a test): the next search, or the close, indexes it
        self._index_timer = loop.call_later(SEARCH_INDEX_AFTER_SECONDS, self.index_pending)

    def index_pending(self) -> None:
        """Put the messages stored since the last batch into the search index (search.py)."""
        if not self._closed and self._index_now():
            self.checkpointer.written()

    def _index_now(self) -> bool:
        """Whether anything was indexed."""
        timer, self._index_timer = self._index_timer, None
        if timer is not None:
            timer.cancel()
        try:
            return fulltext.index_pending(self._db) > 0
        except sqlite3.Error as exc:  # still waiting: the next batch, search or open tries again
            log.warning("could not index the newest messages for search: %s", exc)
            return False

    def edit(self, room: str, message_id: int, text: str) -> StoredMessage:
        """Replace a kept message's text, at the room's next position."""
        self._check_free_space()
        message = self.get(room, message_id)
        assert message is not None and not message.deleted
        edited = time.time()
        with self._transaction(room):
            position = self._next_position(room)
            self._db.execute(
                "UPDATE messages SET text = ?, edited = ?, changed_at = ? WHERE room = ? AND id = ?",
                (text, edited, position, room, message_id),
            )
            self._positions[room] = position
        self._resized(room, len(text.encode()) - len(message.text.encode()))
        return replace(message, text=text, edited=edited, changed_at=position)

    def delete(self, room: str, message_id: int) -> StoredMessage | None:
        """Blank a message's text and drop its reactions, keeping its row (id, sender, time, client
        id) so that resuming and paging go on as before; at the room's next position, unless it was
        deleted already. The stored message, or None when the room keeps no such id."""
        message = self.get(room, message_id)
        if message is None or message.deleted:
            return message
        with self._transaction(room):
            position = self._next_position(room)
            self._db.execute(
                "UPDATE messages SET text = '', deleted = 1, changed_at = ? WHERE room = ? AND id = ?",
                (position, room, message_id),
            )
            self.reactions.clear(room, [message_id])
            self._positions[room] = position
        self._resized(room, -len(message.text.encode()))
        return replace(message, text="", deleted=True, changed_at=position)

    def react(
        self, room: str, message_id: int, emoji: str, identity: str, name: str, on: bool
    ) -> StoredMessage | None:
        """Add (`on`) or take back one identity's reaction, at the room's next position; None when
        that changes nothing (it was so already), and then no position is taken."""
        self._check_free_space()
        message = self.get(room, message_id)
        assert message is not None and not message.deleted
        with self._transaction(room):
            position = self._positions.get(room, 0) + 1
            changed = (
                self.reactions.add(room, message_id, emoji, identity, name, position)
                if on
                else self.reactions.remove(room, message_id, emoji, identity)
            )
            if not changed:
                return None
            self._next_position(room)
            self._db.execute(
                "UPDATE messages SET changed_at = ? WHERE room = ? AND id = ?", (position, room, message_id)
            )
            self._positions[room] = position
        return replace(message, changed_at=position)

    def _resized(self, room: str, delta: int) -> None:
        self._rooms[room].size += delta
        self._size += delta

    def _check_free_space(self) -> None:
        self._disk.check("history")

    def _keep_within_limits(self, room: str, stats: RoomStats) -> None:
        limits = self.limits
        if stats.count > limits.room_messages or stats.size > limits.room_bytes:
            self._drop_oldest(
                room,
                stats,
                count=stats.count - int(limits.room_messages * RETAIN_FRACTION),
                size=stats.size - int(limits.room_bytes * RETAIN_FRACTION),
            )
        while self._size > limits.host_bytes:
            largest = max(self._rooms, key=lambda name: self._rooms[name].size)
            before = self._size
            self._drop_oldest(
                largest,
                self._rooms[largest],
                count=0,
                size=self._size - int(limits.host_bytes * RETAIN_FRACTION),
            )
            if self._size == before:
                return  # only newest messages are left: nothing more may go

    def _drop_oldest(self, room: str, stats: RoomStats, *, count: int, size: int) -> None:
        """Drop the room's oldest messages: at least `count` of them and at least `size` bytes,
        never its newest (its id is where the room's ids go on from)."""
        dropped = freed = 0
        cut = stats.first_id - 1
        rows = self._db.execute(
            f"SELECT id, {_SIZE_SQL} FROM messages WHERE room = ? AND id < ? ORDER BY id",
            (room, stats.last_id),
        )
        for message_id, message_bytes in rows:
            if dropped >= count and freed >= size:
                break
            cut, dropped, freed = message_id, dropped + 1, freed + message_bytes
        rows.close()
        if not dropped:
            return
        self._db.execute("DELETE FROM messages WHERE room = ? AND id <= ?", (room, cut))
        self.reactions.drop_through(room, cut)
        stats.first_id = cut + 1
        stats.count -= dropped
        stats.size -= freed
        self._size -= freed

    def after(self, room: str, after_id: int, limit: int) -> list[StoredMessage]:
        """Up to `limit` messages with id > after_id, oldest first."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND id > ? ORDER BY id LIMIT ?",
            (room, after_id, limit),
        ).fetchall()
        return [_message(row) for row in rows]

    def changed(
        self, room: str, after: int, until: int, limit: int, *, since: int | None = None
    ) -> list[StoredMessage]:
        """Up to `limit` messages with id <= after whose latest change is in (since, until] (`since`
        is `after` unless paging on), in the order of those changes: what a client that saw
        everything up to position `after` must update."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND changed_at > ? AND changed_at <= ?"
            " AND id <= ? ORDER BY changed_at LIMIT ?",
            (room, after if since is None else since, until, after, limit),
        ).fetchall()
        return [_message(row) for row in rows]

    def recent_start(self, room: str, count: int) -> int:
        """The position just before the room's `count` newest messages (0 when it has fewer)."""
        row = self._db.execute(
            "SELECT id FROM messages WHERE room = ? ORDER BY id DESC LIMIT 1 OFFSET ?", (room, count)
        ).fetchone()
        return int(row[0]) if row else 0

    def before(self, room: str, before_id: int | None, limit: int) -> list[StoredMessage]:
        """Up to `limit` messages with id < before_id (the newest when None), oldest first."""
        if before_id is None:
            before_id = self.last_id(room) + 1
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?",
            (room, before_id, limit),
        ).fetchall()
        return [_message(row) for row in reversed(rows)]

    def around(self, room: str, message_id: int, limit: int) -> tuple[list[StoredMessage], bool]:
        """Up to `limit` messages centred on id `message_id` (half before it, it and after), oldest
        first, and whether newer ones follow the page."""
        older = self.before(room, message_id, limit // 2)
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND id >= ? ORDER BY id LIMIT ?",
            (room, message_id, limit - len(older) + 1),
        ).fetchall()
        newer = [_message(row) for row in rows]
        more = len(newer) > limit - len(older)
        return older + newer[: limit - len(older)], more

    def search(
        self, terms: list[fulltext.Term], rooms: list[str], offset: int, limit: int
    ) -> list[fulltext.SearchHit]:
        """Messages of `rooms` holding every term, newest first (server/storage/search.py)."""
        self.index_pending()
        return fulltext.search(self._db, terms, rooms, offset, limit)

    def rooms(self) -> dict[str, int]:
        """Every room with stored messages, with how many it keeps."""
        return {room: stats.count for room, stats in self._rooms.items()}
