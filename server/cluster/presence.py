"""Who is in which room on the other nodes: one heartbeat row per node in the shared database.

Each node writes its row (its id, the names in each of its rooms and whose identities they are)
every HEARTBEAT_SECONDS, and at once when its members changed (then it NOTIFYs the others, who
read the rows again). A room's member list is the union of the live rows' names and the local
ones. A row not refreshed for NODE_EXPIRY_SECONDS is a dead node's (killed, its machine gone):
the others read the rows every HEARTBEAT_SECONDS, so its members leave every list, with a leave
notice, within MEMBERS_VANISH_SECONDS of its last heartbeat. Times are the database's clock
(`now()`), so the nodes' own clocks need not agree.

After this node could not reach the database, the others' rows may be stale only because
nobody could write: for NODE_EXPIRY_SECONDS after that, names are added but none removed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server.protocol.frames import PresenceFrame
from server.rooms.service import ChatRooms
from server.storage.postgres_history import PostgresHistoryStore

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "HEARTBEAT_SECONDS",
    "MEMBERS_VANISH_SECONDS",
    "MIGRATIONS",
    "NODE_EXPIRY_SECONDS",
    "NODE_ROW_KEPT_SECONDS",
    "PRESENCE_CHANNEL",
    "PRESENCE_CHECK_SECONDS",
    "ClusterPresence",
    "NodeRow",
    "node_rows",
]

log = logging.getLogger("lanchat.cluster")

HEARTBEAT_SECONDS = 2.0  # each node refreshes its row, and reads the others', this often
NODE_EXPIRY_SECONDS = 6.0  # a row older than this is a dead node's: three missed heartbeats
# The longest a dead node's members stay listed after its last heartbeat: its row expires, then
# the next read sees it.
MEMBERS_VANISH_SECONDS = NODE_EXPIRY_SECONDS + HEARTBEAT_SECONDS
PRESENCE_CHECK_SECONDS = 0.5  # how often a node compares its members with the row it wrote
# A dead node's row stays this long (whoever looks at the table sees which node went away, and
# when), then the next heartbeat of any node deletes it: a crash leaves no row for good.
NODE_ROW_KEPT_SECONDS = 600.0
PRESENCE_CHANNEL = "lanchat_presence"  # payload: the id of the node whose row changed

# The cluster's schema chain (pg_schema.migrate_component "cluster"). Append; never edit.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE cluster_nodes (
        node    TEXT        PRIMARY KEY,
        seen    TIMESTAMPTZ NOT NULL,  -- its last heartbeat, the database's clock
        members JSONB       NOT NULL   -- {room: {name: identity or null}}
    );
    """,
)

Members = dict[str, dict[str, str | None]]  # room -> name -> identity (None: no hello yet)


@dataclass(frozen=True, slots=True)
class NodeRow:
    """A node's row as `lanchat admin members` shows it."""

    node: str
    silent_for: float  # seconds since its last heartbeat, by the database's clock
    members: Members

    @property
    def alive(self) -> bool:
        """Whether the nodes count its members (a dead node's row is kept a while, for whoever looks)."""
        return self.silent_for < NODE_EXPIRY_SECONDS


def node_rows(db: psycopg.Connection[tuple[Any, ...]]) -> list[NodeRow]:
    """Every node's row, a dead node's too; none before any node has run on the database."""
    row = db.execute("SELECT to_regclass('cluster_nodes')").fetchone()
    if row is None or row[0] is None:
        return []
    rows = db.execute(
        "SELECT node, EXTRACT(EPOCH FROM now() - seen)::float8, members FROM cluster_nodes ORDER BY node"
    ).fetchall()
    return [NodeRow(str(node), max(0.0, float(silent)), members) for node, silent, members in rows]


class ClusterPresence:
    def __init__(self, rooms: ChatRooms, store: PostgresHistoryStore, node: str) -> None:
        self.rooms = rooms
        self.store = store
        self.node = node
        self.remote: Members = {}  # the union of the other live nodes' rows
        self._written: Members | None = None  # what this node's row says
        self._written_at = 0.0
        self._read_at = 0.0
        self._removals_after = 0.0  # monotonic time before which no remote name is taken away

    def elsewhere(self, room: str) -> Mapping[str, str | None]:
        """The room's names on the other nodes and their identities (ConnectionManager.elsewhere)."""
        return self.remote.get(room, {})

    def local(self) -> Members:
        names = self.rooms.manager.names
        members: Members = {}
        for room in self.rooms.manager.room_sizes():
            identities = names.identities_of(room)
            listed = names.members_of(room)
            if listed:
                members[room] = {name: identities.get(name) for name in listed}
        return members

    def tick(self, now: float) -> None:
        """Write this node's row when its members changed or a heartbeat is due; read the others'
        when a heartbeat is due. Raises StorageFailed when the database is away."""
        members = self.local()
        changed = members != self._written
        if changed or now - self._written_at >= HEARTBEAT_SECONDS:
            self.write(members, tell=changed)
        if now - self._read_at >= HEARTBEAT_SECONDS:
            self.read(now)

    def write(self, members: Members, *, tell: bool) -> None:
        self.store.execute(
            "INSERT INTO cluster_nodes (node, seen, members) VALUES (%s, now(), %s::jsonb)"
            " ON CONFLICT (node) DO UPDATE SET seen = now(), members = excluded.members",
            (self.node, json.dumps(members)),
        )
        if tell:
            self.store.execute("SELECT pg_notify(%s, %s)", (PRESENCE_CHANNEL, self.node))
        else:  # a heartbeat: sweep dead nodes' rows
            self.store.execute(
                "DELETE FROM cluster_nodes WHERE seen < now() - make_interval(secs => %s)",
                (NODE_ROW_KEPT_SECONDS,),
            )
        self._written, self._written_at = members, time.monotonic()

    def read(self, now: float) -> None:
        rows = self.store.execute(
            "SELECT members FROM cluster_nodes WHERE node <> %s AND seen > now() - make_interval(secs => %s)",
            (self.node, NODE_EXPIRY_SECONDS),
        ).fetchall()
        self._read_at = now
        remote: Members = {}
        for (members,) in rows:
            for room, names in members.items():
                remote.setdefault(room, {}).update(names)
        if now < self._removals_after:  # just back from an outage: the others' rows may be stale
            for room, names in self.remote.items():
                for name, identity in names.items():
                    remote.setdefault(room, {}).setdefault(name, identity)
        self._announce(self.remote, remote)
        self.remote = remote

    def database_was_away(self) -> None:
        self._removals_after = time.monotonic() + NODE_EXPIRY_SECONDS
        self._written = None  # written again at the next tick

    def leave(self) -> None:
        """This node stops: its row goes, and the others are told at once."""
        self.store.execute("DELETE FROM cluster_nodes WHERE node = %s", (self.node,))
        self.store.execute("SELECT pg_notify(%s, %s)", (PRESENCE_CHANNEL, self.node))

    def _announce(self, before: Members, after: Members) -> None:
        """Join and leave notices to this node's members for the names that came or went elsewhere."""
        manager = self.rooms.manager
        for room in set(before) | set(after):
            if not manager.members_in(room):
                continue
            here = set(manager.names.members_of(room))
            was, now = before.get(room, {}), after.get(room, {})
            for name in sorted(now.keys() - was.keys() - here):
                frame: PresenceFrame = {"type": "presence", "room": room, "event": "join", "name": name}
                identity = now[name]
                if identity is not None:
                    frame["identity"] = identity
                manager.broadcast(frame, room, rich_only=True)
            for name in sorted(was.keys() - now.keys() - here):
                gone: PresenceFrame = {"type": "presence", "room": room, "event": "leave", "name": name}
                manager.broadcast(gone, room, rich_only=True)
