"""What a room keeps, whichever engine keeps it: the interface the rooms package uses, its records
and the limits on how much history is kept.

Two engines implement `HistoryStore`: `sqlite_history.py` (one file in the data folder, the
default, what the window and a single `lanchat serve` use) and `postgres_history.py` (a
PostgreSQL database that several `lanchat serve` nodes share). The rooms package imports this
module only; `engines.py` picks the engine from the configuration.

The calls are synchronous, made on the serving event loop, as the rooms package has always made
them: a room's store-then-broadcast stays one ordered step with no await in between. On SQLite a
call costs tens of microseconds; on PostgreSQL it is one or two loopback round trips (the
benchmark in tests/bench/storage_engines.py prints both). On PostgreSQL a call holds the loop at
most pg_reach.STORE_CALL_TIMEOUT_SECONDS (2 s) and then raises StorageFailed, and while the
database does not answer, calls raise it at once: a database that hangs or vanishes costs a node
one such wait, not one per call. An asynchronous interface would let a slow database hold one
room's post instead of the whole loop for that long.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from server.protocol.frames import ReactionGroup
from server.storage.disk import MIN_FREE_DISK_BYTES, DiskNearlyFull
from server.storage.search import SearchHit, Term

__all__ = [
    "MAX_HOST_HISTORY_BYTES",
    "MAX_ROOM_HISTORY_BYTES",
    "MAX_ROOM_HISTORY_MESSAGES",
    "MIN_FREE_DISK_BYTES",
    "RETAIN_FRACTION",
    "ROW_OVERHEAD_BYTES",
    "AlongWithMessage",
    "DiskNearlyFull",
    "HistoryLimits",
    "HistoryStore",
    "ReactionsView",
    "StorageFailed",
    "StoredMessage",
    "message_size",
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


def message_size(sender: str, text: str, client_id: str | None) -> int:
    return len(text.encode()) + len(sender.encode()) + len(client_id or "") + ROW_OVERHEAD_BYTES


@dataclass(frozen=True, slots=True)
class HistoryLimits:
    room_messages: int = MAX_ROOM_HISTORY_MESSAGES
    room_bytes: int = MAX_ROOM_HISTORY_BYTES
    host_bytes: int = MAX_HOST_HISTORY_BYTES
    min_free_disk_bytes: int = MIN_FREE_DISK_BYTES


@dataclass(frozen=True, slots=True)
class StoredMessage:
    room: str
    id: int  # the message's position in its room's sequence
    sender: str
    text: str
    timestamp: float
    client_id: str | None = None
    identity: str | None = None  # the sender's identity id, when its connection said hello
    reply_to: int | None = None  # the id of the message this one answers
    edited: float | None = None  # when it was last edited (seconds since the epoch)
    changed_at: int | None = None  # the position of its latest change (edit, delete, reaction)
    deleted: bool = False  # deleted by its sender or the host: `text` is ""


# What is stored with a message (its files' records), called with the engine's transaction and the
# message. On an engine other servers share (PostgreSQL: the psycopg connection, inside the
# transaction that takes the position, stores the message and notifies them), so the message
# commits with it or not at all, and no server reads the message without it. On one that nobody
# else reads (SQLite: its other records are another database) with None, once the message is stored.
AlongWithMessage = Callable[[object | None, StoredMessage], None]


class StorageFailed(Exception):
    """The engine could not read or write (a database gone away, a constraint it refused): nothing
    of the call was stored, except after a call cut at its time bound, which the database may still
    have carried out (a post's resend under its client id finds it). The SQLite engine raises
    sqlite3.Error instead, as it always has."""


class ReactionsView(Protocol):
    """What the rooms read of reactions; the store's `react` writes them."""

    def of(self, room: str, message_ids: Iterable[int]) -> dict[int, list[ReactionGroup]]:
        """The reactions of these messages (those with any): each emoji in the order of its first
        use (kept while anyone has it on), its reactors in the order they reacted."""
        ...

    def emoji_count(self, room: str, message_id: int) -> int:
        """How many distinct emoji the message carries."""
        ...

    def has_emoji(self, room: str, message_id: int, emoji: str) -> bool: ...


class HistoryStore(Protocol):
    """Every room's messages, each at a position of its room's one sequence that messages and
    their changes (edits, deletes, reactions) share: dense, increasing, never reused."""

    limits: HistoryLimits

    @property
    def reactions(self) -> ReactionsView: ...

    def close(self) -> None:
        """Close the store (again: nothing)."""
        ...

    def position(self, room: str) -> int:
        """The room's last position: of its newest message or change; 0 for a room with none."""
        ...

    def last_id(self, room: str) -> int:
        """The id of the room's newest message; 0 for a room with none."""
        ...

    def first_id(self, room: str) -> int:
        """The id of the room's oldest kept message; 0 for a room with none."""
        ...

    @property
    def size(self) -> int:
        """Bytes of history kept, all rooms together, as message_size counts them."""
        ...

    def rooms(self) -> dict[str, int]:
        """Every room with stored messages, with how many it keeps."""
        ...

    def find_client_id(
        self, room: str, client_id: str, identity: str | None, sender: str
    ) -> StoredMessage | None:
        """The message this sender stored under `client_id`: by identity, or for a client without
        one by its name (ids are a client's own: another client's repeat of one is not a repeat)."""
        ...

    def has_written(self, room: str, identity: str) -> bool:
        """Whether `identity` sent a message `room` still keeps."""
        ...

    def authors(self, room: str, after_id: int, up_to: int) -> list[tuple[int, str]]:
        """(id, identity) of the messages in (after_id, up_to] sent by an identity, oldest first."""
        ...

    def get(self, room: str, message_id: int) -> StoredMessage | None: ...

    def get_many(self, room: str, message_ids: Iterable[int]) -> dict[int, StoredMessage]: ...

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
        """Store a message at the room's next position; committed when this returns. Older
        messages may go to keep within the limits. DiskNearlyFull (nothing stored) when the
        engine's disk is. `along`: what is stored with the message (its files' records); see
        AlongWithMessage."""
        ...

    def edit(self, room: str, message_id: int, text: str) -> StoredMessage:
        """Replace a kept message's text, at the room's next position."""
        ...

    def delete(self, room: str, message_id: int) -> StoredMessage | None:
        """Blank a message's text and drop its reactions, keeping its row, at the room's next
        position unless it was deleted already. None when the room keeps no such id."""
        ...

    def react(
        self, room: str, message_id: int, emoji: str, identity: str, name: str, on: bool
    ) -> StoredMessage | None:
        """Add (`on`) or take back one identity's reaction, at the room's next position; None when
        that changes nothing (it was so already), and then no position is taken."""
        ...

    def after(self, room: str, after_id: int, limit: int) -> list[StoredMessage]:
        """Up to `limit` messages with id > after_id, oldest first."""
        ...

    def changed(
        self, room: str, after: int, until: int, limit: int, *, since: int | None = None
    ) -> list[StoredMessage]:
        """Up to `limit` messages with id <= after whose latest change is in (since, until]
        (`since` is `after` unless paging on), in the order of those changes."""
        ...

    def recent_start(self, room: str, count: int) -> int:
        """The position just before the room's `count` newest messages (0 when it has fewer)."""
        ...

    def before(self, room: str, before_id: int | None, limit: int) -> list[StoredMessage]:
        """Up to `limit` messages with id < before_id (the newest when None), oldest first."""
        ...

    def around(self, room: str, message_id: int, limit: int) -> tuple[list[StoredMessage], bool]:
        """Up to `limit` messages centred on id `message_id`, oldest first, and whether newer
        ones follow the page."""
        ...

    def search(self, terms: list[Term], rooms: list[str], offset: int, limit: int) -> list[SearchHit]:
        """Messages of `rooms` holding every term (search.query_terms), newest first."""
        ...
