"""What a joining member receives before anything live: what changed since it last looked, the
messages it missed (or the recent history), and for a v2 client the welcome frame.

History is read from the store in pages, so a long resume never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

from server.protocol.frames import MessageFrame, UpdateFrame, WelcomeFrame, encode, welcome_limits
from server.protocol.limits import HISTORY_ON_JOIN
from server.rooms.message_frames import message_frames, seed_frames
from server.rooms.state import RoomState
from server.storage.history import StoredMessage

__all__ = ["REPLAY_PAGE", "Catchup", "ChangeKind", "change_of", "update_frame"]

REPLAY_PAGE = 200

ChangeKind = Literal["edit", "delete", "reaction"]


def update_frame(frame: MessageFrame, seq: int, change: ChangeKind) -> UpdateFrame:
    return {"type": "update", "room": frame["room"], "seq": seq, "change": change, "message": frame}


def change_of(message: StoredMessage) -> ChangeKind:
    """What an update on resume calls the message's changes: several folded into one frame are the
    latest state, named by what it shows (deleted, else edited, else only reactions changed)."""
    if message.deleted:
        return "delete"
    return "edit" if message.edited is not None else "reaction"


class Catchup:
    """One join's catch-up, fixed at the moment of joining: everything up to the room's position
    then is replayed from the store; what comes after arrives live through the hub."""

    def __init__(self, rooms: RoomState, room: str, *, rich: bool, after: int | None) -> None:
        self.rooms = rooms
        self.room = room
        self.rich = rich
        self.after = after
        # On a cluster node, what other nodes stored goes to the members here first, so the new
        # member is replayed exactly up to where the live frames it will get start.
        sequencer = rooms.sequencer
        self.until = rooms.store.position(room) if sequencer is None else sequencer.caught_up(room)
        self.start = (
            rooms.store.recent_start(room, HISTORY_ON_JOIN) if after is None else min(after, self.until)
        )
        self.first_replayed = 0  # the first replayed message's id, once there is one

    def frames(self) -> Iterator[str]:
        """For a v2 client resuming, one `update` for each message up to `after` that changed
        since, in the order of those changes; then the messages after it in their current state."""
        if self.rich and self.after is not None:
            yield from self._changes()
        store, files = self.rooms.store, self.rooms.files
        cursor = self.start
        while cursor < self.until:
            page = [
                message for message in store.after(self.room, cursor, REPLAY_PAGE) if message.id <= self.until
            ]
            if not page:
                return
            if not self.first_replayed:
                self.first_replayed = page[0].id
            if self.rich:
                yield from map(encode, message_frames(store, page, files))
            else:
                yield from map(encode, seed_frames(page, files))
            cursor = page[-1].id

    def _changes(self) -> Iterator[str]:
        store, files = self.rooms.store, self.rooms.files
        cursor = self.start
        while True:
            page = store.changed(self.room, self.start, self.until, REPLAY_PAGE, since=cursor)
            for message, frame in zip(page, message_frames(store, page, files), strict=True):
                assert message.changed_at is not None
                yield encode(update_frame(frame, message.changed_at, change_of(message)))
                cursor = message.changed_at
            if len(page) < REPLAY_PAGE:
                return

    def welcome(self) -> WelcomeFrame:
        manager = self.rooms.manager
        frame: WelcomeFrame = {
            "type": "welcome",
            "room": self.room,
            "members": manager.members_of(self.room),
            # The oldest messages may have been dropped (the history keeps within its limits).
            "first_id": self.first_replayed,
            "last_id": self.until,
            "limits": welcome_limits(self.rooms.edit_window_seconds),
        }
        identities = manager.names.identities_of(self.room)
        if manager.elsewhere is not None:  # a cluster node: the other nodes' names too
            remote = manager.elsewhere(self.room)
            identities = {name: i for name, i in remote.items() if i is not None} | identities
        if identities:  # whose names they are, so a member can open a direct room with one
            frame["identities"] = identities
        unencrypted = self.rooms.in_clear.count(self.room)
        if unencrypted:
            frame["unencrypted"] = unencrypted
        return frame

    def welcome_if_rich(self) -> Callable[[], WelcomeFrame] | None:
        return self.welcome if self.rich else None
