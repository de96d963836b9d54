"""What every room action works on: the store, the fan-out and the host's rules, held once.

`ChatRooms` (service.py) is this state plus its verbs; the actions take the state alone, so each
verb's module needs nothing of the facade that dispatches to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from server.files.store import FileStore
from server.protocol.limits import EDIT_WINDOW_SECONDS
from server.rooms.bans import BanList
from server.rooms.capacity import AddressRateLimits, NewRoomLimits
from server.rooms.hub import ConnectionManager
from server.rooms.in_clear import InClearMembers
from server.rooms.member import Member
from server.rooms.private import PrivateRooms
from server.rooms.rate_limit import RateLimiter
from server.rooms.receipts import ReadReceipts
from server.rooms.typing_pace import TypingPace
from server.storage.engines import open_receipts
from server.storage.history import HistoryStore

__all__ = ["RoomState", "Sequencer", "Session"]


class Sequencer(Protocol):
    """Keeps each room's deliveries in position order when other processes write to the same
    history (the nodes of a cluster: server/cluster). A single host has none."""

    def reach(self, room: str, position: int) -> bool:
        """`position` is about to be delivered: deliver first what other nodes stored before it.
        False when it went out already (read from the tables: another process stored it)."""

    def caught_up(self, room: str) -> int:
        """Deliver to the room's members here everything stored so far; the room's position, up to
        which a joining member is replayed from the store (what comes after reaches it live)."""


@dataclass(eq=False)
class RoomState:
    store: HistoryStore
    manager: ConnectionManager
    private: PrivateRooms = field(default_factory=PrivateRooms)
    bans: BanList = field(default_factory=lambda: BanList(None))
    # How long after posting a sender may edit (0: not at all); the host's window may change it.
    edit_window_seconds: float = EDIT_WINDOW_SECONDS
    files: FileStore | None = None  # attachments; None: messages carry no files
    sequencer: Sequencer | None = None  # a cluster node's (server/cluster); None: a single host
    # A cluster node's: tells the other nodes of a typing notice relayed here (room, name, identity).
    typing_elsewhere: Callable[[str, str, str | None], None] | None = None
    receipts: ReadReceipts = field(init=False)
    addresses: dict[Member, str | None] = field(init=False, default_factory=dict)  # for bans
    address_limits: AddressRateLimits = field(init=False, default_factory=AddressRateLimits)
    new_rooms: NewRoomLimits = field(init=False, default_factory=NewRoomLimits)
    in_clear: InClearMembers = field(init=False, default_factory=InClearMembers)  # plain HTTP members
    typing: TypingPace = field(init=False, default_factory=TypingPace)

    def __post_init__(self) -> None:
        self.receipts = ReadReceipts(open_receipts(self.store), self.manager, authors=self.store.authors)


@dataclass
class Session:
    """A member plus what the rules track per connection."""

    member: Member
    limiter: RateLimiter = field(default_factory=RateLimiter)
    address: str | None = None  # the client's, for the limits shared by all its connections
    in_clear: bool = False  # plain HTTP from the network (a host with --allow-plain-http)
