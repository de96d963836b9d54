"""A cluster node: this `lanchat serve` among others on one PostgreSQL.

It hears the others through the database (LISTEN/NOTIFY on one dedicated connection: listener.py),
delivers each room's messages and changes to its own members in position order (sequencer.py),
shares who is in which room (presence.py), has shared_state.py read the host's decisions as
soon as the database says they changed, and tells the others of its members' typing
(typing_notices.py). Its store NOTIFYs every message and change it stores
(postgres_history.ROOMS_CHANNEL) and every read receipt that moves (pg_receipts.RECEIPTS_CHANNEL).
Nothing of this runs on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
from collections.abc import Callable

import psycopg

from server.cluster.listener import Listener
from server.cluster.presence import MIGRATIONS, PRESENCE_CHANNEL, PRESENCE_CHECK_SECONDS, ClusterPresence
from server.cluster.sequencer import RoomSequencer
from server.cluster.typing_notices import TYPING_CHANNEL, TypingNotices
from server.protocol.frames import DirectFrame, SeenEntry
from server.protocol.limits import IDENTITY_ID_CHARS
from server.rooms.actions.typing_notice import relay_from_elsewhere
from server.rooms.direct import direct_pair, is_direct_room
from server.rooms.replay import ChangeKind
from server.rooms.service import ChatRooms
from server.rooms.validation import as_a_member_has_them
from server.storage.database_url import describe_database
from server.storage.history import HistoryStore, StorageFailed
from server.storage.pg_receipts import RECEIPTS_CHANNEL, PostgresReceipts
from server.storage.pg_room_state import STATE_CHANNEL
from server.storage.pg_schema import migrate_component
from server.storage.postgres_history import ROOMS_CHANNEL, PostgresHistoryStore

__all__ = ["ClusterNode", "start_cluster"]

log = logging.getLogger("lanchat.cluster")

# How long a starting node waits for its listening connection before it serves anyway.
FIRST_LISTEN_SECONDS = 10.0

_CHANGE_KINDS: frozenset[str] = frozenset({"edit", "delete", "reaction"})


class ClusterNode:
    def __init__(
        self,
        rooms: ChatRooms,
        store: PostgresHistoryStore,
        node: str | None = None,
        state_changed: Callable[[], None] | None = None,
    ) -> None:
        self.rooms = rooms
        self.store = store
        self.state_changed = state_changed  # the host's decisions changed (shared_state.SharedState.wake)
        self.node = node or secrets.token_hex(6)
        self.sequencer = RoomSequencer(rooms, store)
        self.presence = ClusterPresence(rooms, store, self.node)
        self.typing = TypingNotices(store.url, self.node, self.presence.elsewhere)
        self.listener = Listener(
            store.url,
            (ROOMS_CHANNEL, PRESENCE_CHANNEL, RECEIPTS_CHANNEL, STATE_CHANNEL, TYPING_CHANNEL),
            self._heard,
            self._connected,
            self._lost,
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._delivery_due = False
        self._presence_due = False
        self._catch_up_due = False
        self._receipts_due = False

    async def start(self) -> None:
        """Create the cluster's tables if need be, hook into the rooms, start listening."""
        with psycopg.connect(self.store.url, autocommit=True) as db, db.transaction():
            migrate_component(db, "cluster", MIGRATIONS, describe_database(self.store.url))
        self.rooms.sequencer = self.sequencer
        self.rooms.manager.elsewhere = self.presence.elsewhere
        self.rooms.typing_elsewhere = self.typing.tell
        self._tasks = [
            asyncio.create_task(self.listener.run()),
            asyncio.create_task(self._keep_up()),
            asyncio.create_task(self.typing.run()),
        ]
        # Serve once listening: a node that took members before it heard the others would leave
        # what they say in between to the next catch-up. The database answered the migration just
        # now; a listener that cannot start in time goes on trying, as after any loss.
        try:
            await asyncio.wait_for(self.listener.first_listening.wait(), FIRST_LISTEN_SECONDS)
        except TimeoutError:
            log.warning("cluster: not listening to %s yet; serving anyway", describe_database(self.store.url))
        log.info("cluster: node %s on %s", self.node, describe_database(self.store.url))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(StorageFailed):
            self.presence.leave()
        self.rooms.sequencer = None
        self.rooms.manager.elsewhere = None
        self.rooms.typing_elsewhere = None

    # --- the listener's callbacks, on the serving loop ---

    def _heard(self, channel: str, payload: str) -> None:
        if channel == STATE_CHANNEL:
            if self.state_changed is not None:
                self.state_changed()
            return
        if channel == RECEIPTS_CHANNEL:
            self._heard_receipt(payload)
            return
        if channel == TYPING_CHANNEL:
            if (typing := self.typing.heard(payload)) is not None:
                relay_from_elsewhere(self.rooms, typing.room, typing.sender)
            return
        if channel == PRESENCE_CHANNEL:
            if payload != self.node and not self._presence_due:
                self._presence_due = True
                asyncio.get_running_loop().call_soon(self._read_presence)
            return
        try:
            room, position, *kind = json.loads(payload)
            if not isinstance(room, str) or not isinstance(position, int):
                raise TypeError("expected [room, position, ...]")
            change: ChangeKind | None = kind[0] if kind and kind[0] in _CHANGE_KINDS else None
        except (ValueError, TypeError) as exc:
            # Anyone who may connect may NOTIFY: raised here, it would cut the node's listening
            # connection (and its presence would count the database away) at every such word.
            log.warning("cluster: a room's notification of no known shape (%s): %r", exc, payload)
            return
        # Several notifications read off the socket at once go as one read per room.
        if self.sequencer.heard(room, position, change):
            if not self._delivery_due:
                self._delivery_due = True
                asyncio.get_running_loop().call_soon(self._deliver)
        elif change is None and is_direct_room(room) and self.sequencer.delivered(room) is None:
            asyncio.get_running_loop().call_soon(self._tell_direct, room, position)

    def _heard_receipt(self, payload: str) -> None:
        """A read receipt that moved through a node (pg_receipts.py): those of the others join
        this node's next `receipts` frame of the room; its own went out already."""
        try:
            room, identity, name, seen_id, before, origin = json.loads(payload)
            receipt: SeenEntry = {"identity": str(identity), "name": str(name), "id": int(seen_id)}
            before = int(before)
        except (ValueError, TypeError) as exc:  # a node of another version: not worth going deaf
            log.warning("cluster: a read receipt's notification of no known shape (%s): %r", exc, payload)
            return
        if not as_a_member_has_them(room, name) or not _is_identity(identity):
            # Any role that may connect may NOTIFY: no name a member could not take reaches them.
            log.warning("cluster: a read receipt with a room, name or identity no node sends: %r", payload)
            return
        receipts = self.rooms.receipts
        if isinstance(receipts.store, PostgresReceipts) and origin == receipts.store.origin:
            return
        receipts.moved_elsewhere(str(room), receipt, before)

    def _deliver(self) -> None:
        self._delivery_due = False
        self.sequencer.deliver_heard()

    def _tell_direct(self, room: str, position: int) -> None:
        """A message in a direct room nobody here is in: tell the other person, wherever they are
        on this node, as posting.py does on a single host (unless they are in the room on another
        node, who delivers it to them)."""
        pair = direct_pair(room) or ()
        present = set(self.presence.elsewhere(room).values())
        manager = self.rooms.manager
        told = [
            m for m in manager.all_members() if m.rich and m.identity in pair and m.identity not in present
        ]
        if not told:
            return
        try:
            message = self.store.get(room, position)
        except StorageFailed as exc:
            log.debug("cluster: could not read a direct message: %s", exc)
            return
        if message is not None:
            frame: DirectFrame = {"type": "direct", "room": room, "sender": message.sender}
            manager.send_to(told, frame)

    def _read_presence(self) -> None:
        self._presence_due = False
        try:
            self.presence.read(time.monotonic())
        except StorageFailed as exc:
            log.debug("cluster: could not read the nodes' members: %s", exc)

    def _connected(self) -> None:
        # Listening again: what was stored meanwhile is in the tables, and so are the receipts
        # that moved (their notifications went to nobody here).
        try:
            self.sequencer.catch_up_all()
        except StorageFailed as exc:  # the store's own connection is still the broken one
            log.debug("cluster: catching up after the reconnection failed once: %s", exc)
            self._catch_up_due = True
        if self.listener.connections > 1:
            self._catch_up_receipts()

    def _catch_up_receipts(self) -> None:
        try:
            self.rooms.receipts.catch_up()
            self._receipts_due = False
        except StorageFailed as exc:
            log.debug("cluster: reading the receipts after the reconnection failed: %s", exc)
            self._receipts_due = True

    def _lost(self) -> None:
        self.presence.database_was_away()

    # --- the heartbeat ---

    async def _keep_up(self) -> None:
        """Every PRESENCE_CHECK_SECONDS: the heartbeat row, rooms nobody here follows any more, and
        the rooms whose reading failed."""
        while True:
            await asyncio.sleep(PRESENCE_CHECK_SECONDS)
            try:
                self.sequencer.prune()
                if self._catch_up_due or self.sequencer.behind:
                    self.sequencer.catch_up_all()
                    self._catch_up_due = False
                if self._receipts_due:
                    self._catch_up_receipts()
                self.presence.tick(time.monotonic())
            except StorageFailed as exc:
                log.debug("cluster: the database is away: %s", exc)
                self.presence.database_was_away()
            except Exception:
                log.exception("cluster: the heartbeat failed")


def _is_identity(identity: object) -> bool:
    return (
        isinstance(identity, str) and re.fullmatch(f"[0-9a-f]{{{IDENTITY_ID_CHARS}}}", identity) is not None
    )


async def start_cluster(
    rooms: ChatRooms, store: HistoryStore, state_changed: Callable[[], None] | None = None
) -> ClusterNode | None:
    """This node's part in a cluster when its history is on PostgreSQL; None on SQLite."""
    if not isinstance(store, PostgresHistoryStore):
        return None
    node = ClusterNode(rooms, store, state_changed=state_changed)
    await node.start()
    return node
