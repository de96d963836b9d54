"""A cluster node keeps the host's decisions as the shared database has them: bans, private rooms,
the tokens' key and generations, the tokens' revoked grants, and the host actions `lanchat admin`
asks of every node.

At start the node reads them all before it serves anyone (`load`). Then, whenever the database
tells it something changed (STATE_CHANNEL, heard by the node's listener: `wake`) and every
STATE_POLL_SECONDS in any case (for what was said while it was not listening), it asks the
database whether anything changed (one small query; the rest only when something did) and for
the host actions after the last it carried out, and applies
them to its own members as the host's window would: a new ban closes the connections it shuts
out, a room made private or given another password asks its members for it again, a removed
member is closed, a deleted message is taken back from everyone's screen. So whatever node a
decision came through, every node enforces it within a round trip (a poll at worst); checks stay in memory,
never a database round trip per connection or request. The poll runs in a worker thread: a
database that is away or slow holds up no member, and the node keeps the last state it read
(a ban stays a ban) until it can read again.

Removing or banning someone revokes the room tokens their connections held, but only the node
those connections were on knows which grants those are: it writes them (`revoked_grants`) as soon
as it has revoked them, which notifies STATE_CHANNEL too, and every node adopts the new rows when
told (or at its poll). So a token revoked on one node stops opening the room's history and files
on every node within a round trip, STATE_POLL_SECONDS at worst.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from server.policy import STATE_POLL_SECONDS
from server.rooms.bans import Ban
from server.rooms.moderation import HostControls
from server.rooms.private import PasswordHash
from server.rooms.service import ChatRooms
from server.storage.history import StorageFailed

if TYPE_CHECKING:
    from server.storage.pg_room_state import HostAction, PostgresRoomState, RoomStateSnapshot

__all__ = ["STATE_POLL_SECONDS", "SharedState", "open_shared_state"]

log = logging.getLogger("lanchat.cluster")


def open_shared_state(database_url: str | None) -> PostgresRoomState | None:
    """The cluster's shared state in the database at `database_url`; None for SQLite (one host
    alone keeps its decisions in its data folder)."""
    if database_url is None:
        return None
    # Imported here, as the history's engine: a plain host never loads psycopg.
    from server.storage.pg_room_state import PostgresRoomState

    return PostgresRoomState(database_url)


class SharedState:
    def __init__(
        self, rooms: ChatRooms, db: PostgresRoomState, poll_seconds: float = STATE_POLL_SECONDS
    ) -> None:
        self.rooms = rooms
        self.db = db
        self.poll_seconds = poll_seconds
        self._told = asyncio.Event()
        self.controls = HostControls(rooms)
        self._version = -1
        self._last_action = 0
        self._last_revoked = 0
        # Grants this node revoked, not written yet; they wake the loop, which writes them at once.
        self._unshared: list[tuple[bytes, float]] = []
        rooms.private.tokens.revoked_here = self._revoked_here

    def load(self) -> None:
        """Read everything once, before the node serves: it starts knowing every ban and password.
        Actions written before it started were for the members of nodes then running."""
        self._last_action = self.db.last_action_id()
        self._last_revoked, revoked = self.db.revoked_after(0)
        self.rooms.private.tokens.adopt_revoked(revoked)
        self._apply_state(self.db.snapshot())

    def wake(self) -> None:
        """The database said the state changed: read it now (several at once: one read)."""
        self._told.set()

    async def run(self) -> None:
        """Read when told or polled, until cancelled; a failed read is logged and tried again at
        the next tick."""
        failing = False
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._told.wait(), self.poll_seconds)
            self._told.clear()
            try:
                await self._share_revoked()
                snapshot, actions, revoked = await asyncio.to_thread(self._read_changes)
            except StorageFailed as exc:
                if not failing:
                    log.warning("cannot read the cluster's shared state; keeping the last read: %s", exc)
                failing = True
                continue
            if failing:
                log.info("reading the cluster's shared state again")
                failing = False
            self._last_revoked, grants = revoked
            self.rooms.private.tokens.adopt_revoked(grants)
            if snapshot is not None:
                self._apply_state(snapshot)
            for action in actions:
                self._carry_out(action)

    def _revoked_here(self, revoked: list[tuple[bytes, float]]) -> None:
        self._unshared.extend(revoked)
        self._told.set()

    async def _share_revoked(self) -> None:
        """Write the grants this node revoked; kept for the next poll if the database is away."""
        unshared, self._unshared = self._unshared, []
        if not unshared:
            return
        try:
            await asyncio.to_thread(self.db.revoke_grants, unshared)
        except BaseException:
            self._unshared[:0] = unshared
            raise

    def _read_changes(
        self,
    ) -> tuple[RoomStateSnapshot | None, list[HostAction], tuple[int, list[tuple[bytes, float]]]]:
        snapshot = self.db.snapshot() if self.db.version() != self._version else None
        return snapshot, self.db.actions_after(self._last_action), self.db.revoked_after(self._last_revoked)

    def _apply_state(self, snapshot: RoomStateSnapshot) -> None:
        self._version = snapshot.version
        bans: list[Ban] = [
            {"kind": ban["kind"], "value": ban["value"], "name": ban["name"], "at": ban["at"]}
            for ban in snapshot.bans
        ]
        for ban in self.rooms.bans.replace_all(bans):
            self.controls.enforce_ban(ban)
        saved: dict[str, PasswordHash] = {}
        for room, password in snapshot.private_rooms.items():
            try:
                saved[room] = PasswordHash.from_json(password)
            except (KeyError, TypeError, ValueError):
                # Never opened by a bad row: the room keeps the hash this node had for it, if any.
                log.error("the shared database has an unreadable password for room %r", room)
                kept = self.rooms.private.saved_hash(room)
                if kept is not None:
                    saved[room] = kept
        for room in self.rooms.private.adopt(saved, snapshot.generations):
            self.rooms.password_changed(room)

    def _carry_out(self, action: HostAction) -> None:
        self._last_action = action.id
        what: dict[str, Any] = action.action
        try:
            if what.get("kind") == "remove":
                self.controls.remove_member(str(what["room"]), str(what["name"]), str(what.get("reason", "")))
            elif what.get("kind") == "delete":
                # `lanchat admin` deleted it in the history; each node tells its own members.
                message = self.rooms.store.get(str(what["room"]), int(what["id"]))
                if message is not None and message.deleted:
                    self.rooms.publish_change(message, "delete")
                if self.rooms.files is not None:  # its records went with it; their contents here
                    self.rooms.files.release_contents([str(c) for c in what.get("contents", [])])
            else:
                log.error("host action %d is of no kind this node knows: %r", action.id, what)
        except (KeyError, TypeError, ValueError, StorageFailed) as exc:
            log.error("could not carry out host action %d (%r): %s", action.id, what, exc)
