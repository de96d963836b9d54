"""Several `lanchat serve` nodes on one PostgreSQL: they hear each other through the database
(LISTEN/NOTIFY), each delivers to its own members in each room's position order, and member lists
are the union of every live node's (docs/cluster.md). Loaded only with `--database`: it needs
psycopg, which a single host on SQLite never imports.
"""

from __future__ import annotations

from server.cluster.node import ClusterNode
from server.rooms.service import ChatRooms
from server.storage.history import HistoryStore
from server.storage.postgres_history import PostgresHistoryStore

__all__ = ["ClusterNode", "start_cluster"]


async def start_cluster(rooms: ChatRooms, store: HistoryStore) -> ClusterNode | None:
    """This node's part in a cluster when its history is on PostgreSQL; None on SQLite."""
    if not isinstance(store, PostgresHistoryStore):
        return None
    node = ClusterNode(rooms, store)
    await node.start()
    return node
