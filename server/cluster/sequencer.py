"""Each room's deliveries on this node in position order, whichever node stored them.

A room's positions are taken under its history row's lock (postgres_history.py), so they commit
in position order: a node that hears position N (its own store call returned it, or another
node's NOTIFY arrived) can read every position up to N from the tables. Per room this node keeps
the last position its members were given; anything between that and N is read from the tables and
delivered first, in order. So a local message at 6 never goes out before a remote 5 whose
notification is still on its way, a notification heard twice (its own, or after a reconnection)
is ignored, and one that was missed is read anyway the next time the room moves.

Only rooms with members on this node are followed: a room is picked up when a member joins it
(`caught_up`) and dropped once none is left. All of it runs on the serving loop, as the rooms'
store calls do: between reading the gap and delivering it nothing else runs.
"""

from __future__ import annotations

import logging

from server.rooms.message_frames import message_frames, seed_frames
from server.rooms.replay import REPLAY_PAGE, ChangeKind, change_of, update_frame
from server.rooms.service import ChatRooms
from server.storage.history import StorageFailed, StoredMessage
from server.storage.postgres_history import PostgresHistoryStore

__all__ = ["RoomSequencer"]

log = logging.getLogger("lanchat.cluster")


class RoomSequencer:
    def __init__(self, rooms: ChatRooms, store: PostgresHistoryStore) -> None:
        self.rooms = rooms
        self.store = store  # rooms.store, as the engine it is
        self._delivered: dict[str, int] = {}  # room -> the last position its members here were given
        # Positions this node delivered before a gap it could not read (the database failed
        # between its write and the read): skipped when the gap is filled, so nothing goes twice.
        self._ahead: dict[str, set[int]] = {}
        self._kinds: dict[str, dict[int, ChangeKind]] = {}  # what the notifications called the changes
        self.behind: dict[str, int] = {}  # rooms whose gap could not be read yet: the position heard

    def delivered(self, room: str) -> int | None:
        return self._delivered.get(room)

    # --- the rooms' hook (server.rooms.state.Sequencer) ---

    def reach(self, room: str, position: int) -> bool:
        delivered = self._delivered.get(room)
        if delivered is not None and position <= delivered:
            return False
        if delivered is None:
            self._delivered[room] = position
            return True
        if position > delivered + 1:
            try:
                self._deliver(room, position - 1)
            except StorageFailed as exc:
                log.warning("could not read room %r up to %d before delivering %d: %s", room, position - 1,
                            position, exc)  # fmt: skip
                self._ahead.setdefault(room, set()).add(position)
                self.behind[room] = max(self.behind.get(room, 0), position)
                return True
        self._delivered[room] = position
        return True

    def caught_up(self, room: str) -> int:
        position = self.store.position(room)
        if room in self._delivered and self.rooms.manager.members_in(room):
            self._deliver(room, position)
        else:  # nobody here followed the room: from now on
            self._forget(room)
            self._delivered[room] = position
        return position

    # --- what other nodes stored ---

    def heard(self, room: str, position: int, kind: ChangeKind | None = None) -> bool:
        """A notification: `room` reached `position`. Whether the room has news for this node."""
        delivered = self._delivered.get(room)
        if delivered is None or position <= delivered:
            return False
        if kind is not None:
            self._kinds.setdefault(room, {})[position] = kind
        self.behind[room] = max(self.behind.get(room, 0), position)
        return True

    def deliver_heard(self) -> None:
        """Deliver every room's news heard so far (several notifications, one read per room)."""
        for room, heard in list(self.behind.items()):
            try:
                # Never past the room's position in the table: any role that may connect to the
                # database may NOTIFY, and a position told before it was stored would count as
                # delivered here, so the message stored there later would never be.
                position = self._within_table(room, heard)
                self._deliver(room, position)
            except StorageFailed as exc:
                log.warning("could not read room %r up to %d: %s", room, heard, exc)
                return  # the database is away: the listener's reconnection catches up

    def _within_table(self, room: str, heard: int) -> int:
        """`heard`, or the room's position in the table when that is less (a notification no
        store call sent); what was heard past it is forgotten."""
        position = self.store.position(room)
        if heard <= position:
            return heard
        log.warning("room %r was said to reach %d, but the table has it at %d", room, heard, position)
        self.behind[room] = position
        kinds = self._kinds.get(room)
        if kinds is not None:
            for told in [p for p in kinds if p > position]:
                del kinds[told]
        return position

    def catch_up_all(self) -> None:
        """After a lost connection: read every followed room up to its position in the tables."""
        for room in list(self._delivered):
            self.behind[room] = max(self.behind.get(room, 0), self.store.position(room))
        self.deliver_heard()

    def prune(self) -> None:
        """Stop following rooms nobody here is in."""
        for room in list(self._delivered):
            if not self.rooms.manager.members_in(room):
                self._forget(room)

    # --- internals ---

    def _forget(self, room: str) -> None:
        self._delivered.pop(room, None)
        self._ahead.pop(room, None)
        self._kinds.pop(room, None)
        self.behind.pop(room, None)

    def _deliver(self, room: str, until: int) -> None:
        """Give the room's members here everything in (delivered, until], in position order."""
        delivered = self._delivered.get(room)
        if delivered is None or not self.rooms.manager.members_in(room):
            self._forget(room)
            return
        cursor = delivered
        while cursor < until:
            window = min(until, cursor + REPLAY_PAGE)
            self._deliver_window(room, cursor, window)
            cursor = self._delivered[room] = window
        ahead = self._ahead.get(room)
        if ahead is not None:
            ahead.difference_update(range(delivered + 1, until + 1))
            if not ahead:
                del self._ahead[room]
        kinds = self._kinds.get(room)
        if kinds is not None:
            for position in [p for p in kinds if p <= until]:
                del kinds[position]
        if self.behind.get(room, 0) <= until:
            self.behind.pop(room, None)

    def _deliver_window(self, room: str, after: int, until: int) -> None:
        """Positions (after, until]: the messages stored there, in their current state, and the
        changes made there to messages the members already have."""
        store, files, manager = self.store, self.rooms.files, self.rooms.manager
        skip = self._ahead.get(room, ())
        moved = store.moved(room, after, until, 2 * REPLAY_PAGE)  # a window holds at most REPLAY_PAGE
        messages = [m for m in moved if m.id > after and m.id not in skip]
        changes = [m for m in moved if m.id <= after and m.changed_at not in skip]
        if not messages and not changes:
            return
        kinds = self._kinds.get(room, {})
        frames = dict(zip((m.id for m in messages), message_frames(store, messages, files), strict=True))
        seeds = {frame["id"]: frame for frame in seed_frames(messages, files)}
        changed = dict(zip((m.id for m in changes), message_frames(store, changes, files), strict=True))
        events: list[tuple[int, StoredMessage, bool]] = [(m.id, m, False) for m in messages]
        events += [(m.changed_at or 0, m, True) for m in changes]
        events.sort(key=lambda event: event[0])
        for position, message, is_change in events:
            if is_change:
                kind = kinds.get(position) or change_of(message)
                manager.broadcast(update_frame(changed[message.id], position, kind), room, rich_only=True)
            elif message.deleted:  # deleted before this node read it: a seed client knows no mark
                manager.broadcast(frames[message.id], room, rich_only=True)
            else:
                manager.broadcast(frames[message.id], room, seed=seeds[message.id])
