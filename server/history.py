"""Every room's messages in one SQLite file (WAL), so history survives restarts.

Writes run on the event loop thread: with WAL and synchronous=NORMAL a commit is a
write into the log without fsync (tens of microseconds), far cheaper than a hop to
a worker thread, and it keeps store-then-broadcast one ordered step. A process
crash loses nothing committed; a power cut may lose the last moments.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from . import search as fulltext

__all__ = [
    "MAX_HOST_HISTORY_BYTES",
    "MAX_ROOM_HISTORY_BYTES",
    "MAX_ROOM_HISTORY_MESSAGES",
    "MIN_FREE_DISK_BYTES",
    "DiskNearlyFull",
    "HistoryLimits",
    "HistoryStore",
    "StoredMessage",
]

# How much history is kept, so that one busy (or hostile) client never fills the disk. Past a
# room's limits its oldest messages go; past the host's, the oldest of the room holding the most.
# Either way down to RETAIN_FRACTION of the limit, so trimming is an occasional batch, not a cost
# of every message. A message counts as the UTF-8 bytes of its text, sender and client id plus
# ROW_OVERHEAD_BYTES (SQLite's row and index, roughly).
MAX_ROOM_HISTORY_MESSAGES = 50_000
MAX_ROOM_HISTORY_BYTES = 32 * 1024 * 1024
MAX_HOST_HISTORY_BYTES = 512 * 1024 * 1024
RETAIN_FRACTION = 0.9
ROW_OVERHEAD_BYTES = 64
# Below this much free space on the history's disk, new messages are refused (storage_full)
# rather than written: the disk is shared with everything else on the machine.
MIN_FREE_DISK_BYTES = 256 * 1024 * 1024
# Free space is asked of the system at most this often.
DISK_CHECK_SECONDS = 1.0

# A message's size in the store, in SQL and in Python alike.
_SIZE_SQL = (
    f"LENGTH(CAST(text AS BLOB)) + LENGTH(CAST(sender AS BLOB)) + COALESCE(LENGTH(client_id), 0)"
    f" + {ROW_OVERHEAD_BYTES}"
)


def message_size(sender: str, text: str, client_id: str | None) -> int:
    return len(text.encode()) + len(sender.encode()) + len(client_id or "") + ROW_OVERHEAD_BYTES


class DiskNearlyFull(OSError):
    """The history's disk has less than the minimum free space left: nothing was stored."""


@dataclass(slots=True)
class RoomStats:
    first_id: int  # the oldest kept message's id (older ones were dropped)
    last_id: int
    count: int
    size: int  # bytes, as message_size counts them


@dataclass(frozen=True, slots=True)
class HistoryLimits:
    room_messages: int = MAX_ROOM_HISTORY_MESSAGES
    room_bytes: int = MAX_ROOM_HISTORY_BYTES
    host_bytes: int = MAX_HOST_HISTORY_BYTES
    min_free_disk_bytes: int = MIN_FREE_DISK_BYTES


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

    @property
    def deleted(self) -> bool:
        # A posted text is never empty (text_empty), so an empty one is the host's "deleted" mark:
        # no column to add to older files, and the words are really gone from the row.
        return not self.text


_COLUMNS = "room, id, sender, text, timestamp, client_id"


class HistoryStore:
    FILENAME = "history.sqlite3"

    def __init__(self, data_dir: Path, limits: HistoryLimits | None = None) -> None:
        self.limits = limits or HistoryLimits()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / self.FILENAME
        # isolation_level=None: autocommit, one message one transaction. The connection stays
        # on the thread that opened it (the event loop's): sqlite3 refuses any other.
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        fulltext.install(self._db)  # the search index's triggers follow `messages` from here on
        # Ids run 1, 2, 3... per room; the oldest may have been dropped, the newest never is, so
        # a room's ids go on from where they were after a restart. Read once here (one pass over
        # the file): the room list, every append and the limits use it.
        self._rooms: dict[str, RoomStats] = {
            room: RoomStats(first, last, count, size)
            for room, first, last, count, size in self._db.execute(
                f"SELECT room, MIN(id), MAX(id), COUNT(*), SUM({_SIZE_SQL}) FROM messages GROUP BY room"
            )
        }
        self._size = sum(stats.size for stats in self._rooms.values())
        self._free_checked_at = -DISK_CHECK_SECONDS
        self._free = 0

    def close(self) -> None:
        # A checkpoint folds the WAL into the main file so a copy of it alone is complete.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()

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

    def find_client_id(self, room: str, client_id: str) -> StoredMessage | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND client_id = ?", (room, client_id)
        ).fetchone()
        return StoredMessage(*row) if row else None

    def append(self, room: str, sender: str, text: str, client_id: str | None = None) -> StoredMessage:
        """Store a message with the room's next id; committed when this returns. Older messages
        may go to keep within the limits. Raises DiskNearlyFull (nothing stored) when the disk is."""
        self._check_free_space()
        message = StoredMessage(room, self.last_id(room) + 1, sender, text, time.time(), client_id)
        self._db.execute(
            f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (message.room, message.id, message.sender, message.text, message.timestamp, message.client_id),
        )
        size = message_size(sender, text, client_id)
        stats = self._rooms.get(room)
        if stats is None:
            stats = self._rooms[room] = RoomStats(message.id, message.id, 0, 0)
        stats.last_id = message.id
        stats.count += 1
        stats.size += size
        self._size += size
        self._keep_within_limits(room, stats)
        return message

    def delete(self, room: str, message_id: int) -> StoredMessage | None:
        """Blank a message's text, keeping its row (id, sender, time, client id) so that resuming
        and paging go on as before; the stored message, or None when the room keeps no such id."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND id = ?", (room, message_id)
        ).fetchone()
        if row is None:
            return None
        message = StoredMessage(*row)
        if not message.deleted:
            self._db.execute("UPDATE messages SET text = '' WHERE room = ? AND id = ?", (room, message_id))
            freed = len(message.text.encode())
            self._rooms[room].size -= freed
            self._size -= freed
        return StoredMessage(room, message.id, message.sender, "", message.timestamp, message.client_id)

    def _check_free_space(self) -> None:
        now = time.monotonic()
        if now - self._free_checked_at >= DISK_CHECK_SECONDS:
            self._free = shutil.disk_usage(self.path.parent).free
            self._free_checked_at = now
        if self._free < self.limits.min_free_disk_bytes:
            kept_free = self.limits.min_free_disk_bytes
            raise DiskNearlyFull(
                f"{self._free} bytes free on the history's disk, under the {kept_free} kept free"
            )

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

    def around(self, room: str, message_id: int, limit: int) -> tuple[list[StoredMessage], bool]:
        """Up to `limit` messages centred on id `message_id` (half before it, it and after), oldest
        first, and whether newer ones follow the page."""
        older = self.before(room, message_id, limit // 2)
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE room = ? AND id >= ? ORDER BY id LIMIT ?",
            (room, message_id, limit - len(older) + 1),
        ).fetchall()
        newer = [StoredMessage(*row) for row in rows]
        more = len(newer) > limit - len(older)
        return older + newer[: limit - len(older)], more

    def search(self, terms: list[str], rooms: list[str], offset: int, limit: int) -> list[fulltext.SearchHit]:
        """Messages of `rooms` holding every term, newest first (server/search.py)."""
        return fulltext.search(self._db, terms, rooms, offset, limit)

    def rooms(self) -> dict[str, int]:
        """Every room with stored messages, with how many it keeps."""
        return {room: stats.count for room, stats in self._rooms.items()}
