"""The limits a cluster's nodes count together, in their shared database: wrong passwords per
address (a guesser gains nothing by going from node to node) and new rooms per address (nobody
fills the room list by spreading over the nodes). Each count is one small transaction, and only
where the limit is met: a password tried, a room that does not exist yet.

What stays per node, by design (docs/cluster.md): connections per address and per room socket,
frames per second per address, and scrypt checks running at once (a node's own CPU and memory).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.addresses import is_local_client
from server.policy import (
    NEW_ROOMS_BURST,
    PASSWORD_FAILURES_BEFORE_LOCKOUT,
    PASSWORD_LOCKOUT_SECONDS,
)
from server.rooms.capacity import NewRoomLimits, too_many_new_rooms

if TYPE_CHECKING:
    from server.storage.pg_room_state import PostgresRoomState

__all__ = ["ClusterLockouts", "ClusterNewRoomLimits"]


class ClusterLockouts:
    """PrivateRooms' PasswordLockouts, counted in the cluster's database."""

    def __init__(self, db: PostgresRoomState) -> None:
        self.db = db

    def locked_for(self, address: str) -> float:
        return self.db.password_locked_for(address)

    def failed(self, address: str) -> int:
        return self.db.password_failed(address, PASSWORD_FAILURES_BEFORE_LOCKOUT, PASSWORD_LOCKOUT_SECONDS)

    def succeeded(self, address: str) -> None:
        self.db.password_succeeded(address)


class ClusterNewRoomLimits(NewRoomLimits):
    """NewRoomLimits' buckets, kept in the cluster's database."""

    def __init__(self, db: PostgresRoomState) -> None:
        super().__init__()
        self.db = db

    def take(self, address: str | None) -> None:
        if is_local_client(address):
            return
        wait = self.db.take_budget("new_rooms", address or "", NEW_ROOMS_BURST, self.PER_SECOND)
        if wait > 0:
            raise too_many_new_rooms(round(wait, 3))
