"""Read receipts: how far each identity has seen each room, and who takes part.

A client sends `seen` with the newest room position it has shown its person; the highest one per
(room, identity) is kept, with the name the identity had then, where the history is
(server/storage/receipts.py: the history's SQLite file, or a cluster's PostgreSQL database).

Taking part is mutual, as Telegram's setting: a v2 connection whose hello left `receipts` on is
sent the room's receipts (in its `identified` frame) and then what moves (`receipts` frames); a
hello with `receipts: false` has its seen frames dropped, its stored receipts in the room
forgotten, and is sent nobody's. Connections without a hello, and seed clients, take no part. A
receipt is not a position in the room's sequence: it is never replayed by `after`.

What a member is sent of others' reading is bounded whatever the room's size. Every reader says
`seen` about once a second, so one frame per receipt per reader grew as the square of the room
(a room of 100 with everyone reading: about 10,000 frames a second). Receipts that moved wait and
go out together: one `receipts` frame per room at most every RECEIPTS_SUMMARY_SECONDS, encoded
once for all its readers, carrying only what changed. In a room of more than
RECEIPTS_TO_EVERYONE_MAX_MEMBERS connections a receipt goes only to the authors of the messages
it newly covers (as Telegram's groups): each author at most one frame per interval.

Only connections inside the room hear of it, so a private room's receipts reach only those who
entered its password, and a direct room's only its two people.

On a cluster's node, receipts kept through the other nodes arrive through `moved_elsewhere`
(server/cluster/node.py hears them) and go out with this node's own, under the same bound; a
room's size is then its connections here plus the names only other nodes have. Those that moved
while the node heard nothing (its listening connection lost) are found by `catch_up` once it
listens again: per room it remembers how far each identity's receipt was when its readers were
last told, and reads the table for what is further now.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Callable, Iterable

from server.policy import (
    MAX_MEMBERS_PER_ROOM,
    RECEIPTS_SUMMARY_SECONDS,
    RECEIPTS_TO_EVERYONE_MAX_MEMBERS,
    SEEN_RATE_BURST,
    SEEN_RATE_PER_SECOND,
)
from server.protocol.codes import ErrorCode
from server.protocol.frames import ReceiptsFrame, SeenEntry
from server.protocol.refusals import Refused
from server.rooms.client_frames import Seen
from server.rooms.hub import ConnectionManager
from server.rooms.member import Member
from server.rooms.rate_limit import RateLimiter
from server.storage.history import StorageFailed
from server.storage.receipts import ReceiptStore

__all__ = ["AUTHOR_LOOKBACK", "MAX_RECEIPTS_PER_ROOM", "ReadReceipts"]

log = logging.getLogger("lanchat.receipts")

# Receipts one room keeps; past it the one that has seen least goes. Identities cost nothing to
# make, so without a bound a client could grow a room's list (sent with every hello) for good.
MAX_RECEIPTS_PER_ROOM = MAX_MEMBERS_PER_ROOM
# In a big room, how far back a receipt that jumps looks for the authors it covers (room
# positions): a reader catching up on a day's history tells the authors of its last stretch, not
# everyone who ever wrote; the UI shows a receipt under one's latest message anyway.
AUTHOR_LOOKBACK = 1000


class ReadReceipts:
    def __init__(
        self,
        store: ReceiptStore,
        manager: ConnectionManager,
        max_per_room: int = MAX_RECEIPTS_PER_ROOM,
        *,
        authors: Callable[[str, int, int], list[tuple[int, str]]] | None = None,
        summary_seconds: float = RECEIPTS_SUMMARY_SECONDS,
        everyone_up_to: int = RECEIPTS_TO_EVERYONE_MAX_MEMBERS,
    ) -> None:
        self.manager = manager
        self.max_per_room = max_per_room
        # (room, after, up_to) -> (id, identity) of the messages in between: the history's.
        self._authors = authors
        self.summary_seconds = summary_seconds
        self.everyone_up_to = everyone_up_to
        self.store = store
        # The connections taking part, each with its own budget of seen frames, and how many
        # there are per room (a receipt from another node is for a room with any).
        self._readers: dict[Member, RateLimiter] = {}
        self._readers_in: dict[str, int] = {}
        # Per room: the receipts that moved since its last `receipts` frame (identity -> the
        # receipt now, and where it stood before the first move), and when that frame went.
        self._moved: dict[str, dict[str, tuple[SeenEntry, int]]] = {}
        self._sent_at: dict[str, float] = {}
        # Per room with readers: how far each identity's receipt is as its readers were told
        # (their first one's hello, then every move), for `catch_up`. At most max_per_room each.
        self._told: dict[str, dict[str, int]] = {}

    def close(self) -> None:
        self.store.close()

    def hello(self, member: Member, identity: str, *, receipts: bool) -> list[SeenEntry] | None:
        """A member said hello as `identity`: the room's receipts when it takes part, else None."""
        # A cluster's database may be away: the hello still identifies its member (as when
        # receipts were per node); only the receipts are missing from its answer.
        if not receipts:
            self.leave(member)
            try:
                self.store.forget(member.room, identity)
            except StorageFailed as exc:  # its seen frames go to nobody all the same
                log.warning("could not forget a receipt in %r, the database is away: %s", member.room, exc)
            return None
        if not member.rich:
            return None  # a seed-era client would not know the frames
        room = member.room
        if member not in self._readers:
            self._readers_in[room] = self._readers_in.get(room, 0) + 1
        self._readers[member] = RateLimiter(SEEN_RATE_BURST, SEEN_RATE_PER_SECOND)
        try:
            kept = self.in_room(room)
        except StorageFailed as exc:
            log.warning("a hello in %r got no receipts, the database is away: %s", room, exc)
            self._told.setdefault(room, {})
            return []
        if room not in self._told:  # the room's first reader: what it is told is what all were
            self._told[room] = {receipt["identity"]: receipt["id"] for receipt in kept}
        return kept

    def leave(self, member: Member) -> None:
        if self._readers.pop(member, None) is None:
            return
        left = self._readers_in[member.room] - 1
        if left:
            self._readers_in[member.room] = left
        else:
            del self._readers_in[member.room]
            self._told.pop(member.room, None)

    def in_room(self, room: str) -> list[SeenEntry]:
        """The room's receipts, furthest seen first."""
        return self.store.in_room(room)

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
        if seen.id == 0:
            return
        before = self.store.keep(member.room, member.identity, member.name, seen.id, self.max_per_room)
        if before is not None:
            self._moved_on(
                member.room, {"identity": member.identity, "name": member.name, "id": seen.id}, before
            )

    def moved_elsewhere(self, room: str, receipt: SeenEntry, before: int) -> None:
        """A receipt that moved through another node of a cluster (kept there already): it goes
        out with the room's next `receipts` frame here, if anyone here takes part in the room."""
        if room in self._readers_in:
            self._moved_on(room, receipt, before)

    def catch_up(self) -> None:
        """Send each room's readers here the receipts that are further in the table than they were
        told: those that moved through other nodes while this one did not hear them. Raises
        StorageFailed (the rooms not read yet are read at the next call)."""
        for room, told in list(self._told.items()):
            for receipt in self.in_room(room):
                before = told.get(receipt["identity"], 0)
                if receipt["id"] > before:
                    self._moved_on(room, receipt, before)

    def _moved_on(self, room: str, receipt: SeenEntry, before: int) -> None:
        """A receipt moved: it goes out with the room's next `receipts` frame, sent at once when
        the last one went more than summary_seconds ago, else when that much has passed."""
        self._remember_told(room, receipt)
        moved = self._moved.get(room)
        if moved is None:
            moved = self._moved[room] = {}
            loop = asyncio.get_running_loop()
            wait = self._sent_at.get(room, float("-inf")) + self.summary_seconds - loop.time()
            loop.call_later(max(0.0, wait), self.send_moved, room)
        earlier = moved.get(receipt["identity"])
        moved[receipt["identity"]] = (receipt, before if earlier is None else earlier[1])
        if len(moved) > self.max_per_room:  # as the table keeps them: the one seen least goes
            del moved[min(moved, key=lambda identity: moved[identity][0]["id"])]

    def _remember_told(self, room: str, receipt: SeenEntry) -> None:
        told = self._told.get(room)
        if told is None:
            return
        identity = receipt["identity"]
        if receipt["id"] > told.get(identity, 0):
            told[identity] = receipt["id"]
        if len(told) > self.max_per_room:  # as the table does: the one that has seen least goes
            del told[min(told, key=told.__getitem__)]

    def send_moved(self, room: str) -> None:
        """Send the room's readers the receipts that moved since its last `receipts` frame."""
        moved = self._moved.pop(room, None)
        members = self.manager.members_in(room)
        readers = [member for member in members if member in self._readers]
        if not moved or not readers:
            self._sent_at.pop(room, None)  # nobody to pace: the room may go
            return
        self._sent_at[room] = asyncio.get_running_loop().time()
        # A receipt may have waited a second: it says the name its reader has now, or it would
        # undo a rename the room was told of meanwhile.
        for reader in readers:
            if reader.identity in moved and reader.name is not None:
                moved[reader.identity][0]["name"] = reader.name
        if self._room_size(room, members) > self.everyone_up_to:
            self._send_to_authors(room, moved, readers)
            return
        receipts = _furthest_first(receipt for receipt, _ in moved.values())
        # A reader whose own receipt is all that moved has nothing to learn.
        alone = receipts[0]["identity"] if len(receipts) == 1 else None
        frame: ReceiptsFrame = {"type": "receipts", "room": room, "seen": receipts}
        self.manager.send_to([reader for reader in readers if reader.identity != alone], frame)

    def _room_size(self, room: str, members: list[Member]) -> int:
        """The room's connections here, plus on a cluster's node the names only other nodes have
        (presence lists names, not connections: a person's tabs there count once)."""
        elsewhere = self.manager.elsewhere
        if elsewhere is None:
            return len(members)
        here = set(self.manager.names.members_of(room))
        return len(members) + sum(1 for name in elsewhere(room) if name not in here)

    def _send_to_authors(
        self, room: str, moved: dict[str, tuple[SeenEntry, int]], readers: list[Member]
    ) -> None:
        """A big room: each receipt to the authors of the messages it newly covers, one frame each."""
        if self._authors is None:
            return
        low = min(max(before, receipt["id"] - AUTHOR_LOOKBACK) for receipt, before in moved.values())
        high = max(receipt["id"] for receipt, _ in moved.values())
        written = self._authors(room, low, high)
        ids = [message_id for message_id, _ in written]
        told: dict[str, list[SeenEntry]] = {}
        for receipt, before in moved.values():
            start = bisect.bisect_right(ids, max(before, receipt["id"] - AUTHOR_LOOKBACK))
            end = bisect.bisect_right(ids, receipt["id"])
            for author in {identity for _, identity in written[start:end]} - {receipt["identity"]}:
                told.setdefault(author, []).append(receipt)
        tabs: dict[str, list[Member]] = {}
        for reader in readers:
            if reader.identity in told:
                tabs.setdefault(reader.identity, []).append(reader)
        for author, members in tabs.items():
            frame: ReceiptsFrame = {"type": "receipts", "room": room, "seen": _furthest_first(told[author])}
            self.manager.send_to(members, frame)


def _furthest_first(receipts: Iterable[SeenEntry]) -> list[SeenEntry]:
    return sorted(receipts, key=lambda receipt: (-receipt["id"], receipt["identity"]))
