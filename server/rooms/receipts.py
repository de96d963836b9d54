"""Read receipts: how far each identity has seen each room, and who takes part.

A client sends `seen` with the newest room position it has shown its person; the highest one per
(room, identity) is kept, with the name the identity had then, in a table of the history's SQLite
file (on a connection of its own, so the history store's schema and transactions stay its own;
WAL and synchronous=NORMAL as there: a process crash loses nothing, a power cut the last moments).

Taking part is mutual, as Telegram's setting: a v2 connection whose hello left `receipts` on is
sent the room's receipts (in its `identified` frame) and each new one (`seen` frames); a hello
with `receipts: false` has its seen frames dropped, its stored receipts in the room forgotten, and
is sent nobody's. Connections without a hello, and seed clients, take no part. A receipt is not a
position in the room's sequence: it is never replayed by `after`.

Only connections inside the room hear of it, so a private room's receipts reach only those who
entered its password, and a direct room's only its two people.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server.policy import MAX_MEMBERS_PER_ROOM, SEEN_RATE_BURST, SEEN_RATE_PER_SECOND
from server.protocol.codes import ErrorCode
from server.protocol.frames import SeenEntry, SeenFrame
from server.protocol.refusals import Refused
from server.rooms.client_frames import Seen
from server.rooms.hub import ConnectionManager
from server.rooms.member import Member
from server.rooms.rate_limit import RateLimiter

__all__ = ["MAX_RECEIPTS_PER_ROOM", "ReadReceipts"]

# Receipts one room keeps; past it the one that has seen least goes. Identities cost nothing to
# make, so without a bound a client could grow a room's list (sent with every hello) for good.
MAX_RECEIPTS_PER_ROOM = MAX_MEMBERS_PER_ROOM

_SCHEMA = """
CREATE TABLE IF NOT EXISTS read_receipts (
    room     TEXT    NOT NULL,
    identity TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    seen_id  INTEGER NOT NULL,
    PRIMARY KEY (room, identity)
) WITHOUT ROWID;
"""


class ReadReceipts:
    def __init__(
        self, path: Path, manager: ConnectionManager, max_per_room: int = MAX_RECEIPTS_PER_ROOM
    ) -> None:
        self.manager = manager
        self.max_per_room = max_per_room
        # Autocommit on the event loop's thread, as the history store (see history.py).
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # The connections taking part, each with its own budget of seen frames.
        self._readers: dict[Member, RateLimiter] = {}

    def close(self) -> None:
        self._db.close()

    def hello(self, member: Member, identity: str, *, receipts: bool) -> list[SeenEntry] | None:
        """A member said hello as `identity`: the room's receipts when it takes part, else None."""
        if not receipts:
            self._readers.pop(member, None)
            self._db.execute(
                "DELETE FROM read_receipts WHERE room = ? AND identity = ?", (member.room, identity)
            )
            return None
        if not member.rich:
            return None  # a seed-era client would not know the frames
        self._readers[member] = RateLimiter(SEEN_RATE_BURST, SEEN_RATE_PER_SECOND)
        return self.in_room(member.room)

    def leave(self, member: Member) -> None:
        self._readers.pop(member, None)

    def in_room(self, room: str) -> list[SeenEntry]:
        """The room's receipts, furthest seen first."""
        rows = self._db.execute(
            "SELECT identity, name, seen_id FROM read_receipts WHERE room = ?"
            " ORDER BY seen_id DESC, identity",
            (room,),
        )
        return [{"identity": identity, "name": name, "id": seen_id} for identity, name, seen_id in rows]

    def seen(self, member: Member, seen: Seen, last_id: int) -> None:
        """A member's seen frame, in a room whose last position is `last_id`: kept and told to the
        room's other members taking part when it is further than before. Raises Refused."""
        if member.identity is None:
            raise Refused(
                ErrorCode.IDENTITY_REQUIRED, "A seen frame needs the connection's hello first.", id=seen.id
            )
        budget = self._readers.get(member)
        if budget is None:
            return  # opted out (or a seed-era client): its reading is told to nobody
        if seen.id > last_id:
            raise Refused(
                ErrorCode.SEEN_INVALID,
                f"Position {seen.id} is past the room's last position, {last_id}.",
                id=seen.id,
            )
        try:
            budget.take()
        except Refused as refusal:  # this one is dropped; the connection is read on as before
            refusal.extra["id"] = seen.id
            raise
        if member.name is None:
            raise Refused(ErrorCode.SENDER_MISSING, "A seen frame needs a name (?name= when connecting).")
        if seen.id == 0 or not self._store(member.room, member.identity, member.name, seen.id):
            return
        frame: SeenFrame = {
            "type": "seen",
            "room": member.room,
            "identity": member.identity,
            "name": member.name,
            "id": seen.id,
        }
        for other in self.manager.members_in(member.room):
            if other is not member and other in self._readers:
                self.manager.send(other, frame)

    def _store(self, room: str, identity: str, name: str, seen_id: int) -> bool:
        """Keep a receipt if it is further than the one kept; whether it was."""
        row = self._db.execute(
            "SELECT seen_id FROM read_receipts WHERE room = ? AND identity = ?", (room, identity)
        ).fetchone()
        if row is not None:
            if row[0] >= seen_id:
                return False
            self._db.execute(
                "UPDATE read_receipts SET name = ?, seen_id = ? WHERE room = ? AND identity = ?",
                (name, seen_id, room, identity),
            )
            return True  # the room keeps as many as before: no need to count them
        self._db.execute(
            "INSERT INTO read_receipts (room, identity, name, seen_id) VALUES (?, ?, ?, ?)",
            (room, identity, name, seen_id),
        )
        (kept,) = self._db.execute("SELECT COUNT(*) FROM read_receipts WHERE room = ?", (room,)).fetchone()
        if kept <= self.max_per_room:
            return True
        # Past the bound, the receipts that have seen least go (ties: by identity, so it is stable).
        self._db.execute(
            "DELETE FROM read_receipts WHERE room = ? AND identity IN (SELECT identity FROM read_receipts"
            " WHERE room = ? ORDER BY seen_id DESC, identity LIMIT -1 OFFSET ?)",
            (room, room, self.max_per_room),
        )
        return True
