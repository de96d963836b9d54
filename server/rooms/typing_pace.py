"""Which typing notices are relayed, so that what a member is sent of others' typing is bounded
whatever the room's size: per connection one every TYPING_RELAY_SECONDS, per room at most
TYPING_ROOM_BURST in any such interval. Those held back are dropped, unanswered.

On a cluster's node the notices other nodes relayed (server/cluster/typing.py) count against the
same room budget as the node's own: however many nodes a room spans, a member here is sent at
most TYPING_ROOM_BURST in any interval."""

from __future__ import annotations

import time
from collections.abc import Callable

from server.policy import TYPING_RELAY_SECONDS, TYPING_ROOM_BURST
from server.protocol.refusals import Refused
from server.rooms.member import Member
from server.rooms.rate_limit import RateLimiter

__all__ = ["TypingPace"]


class TypingPace:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._rooms: dict[str, RateLimiter] = {}  # rooms with members: each its budget

    def relays(self, member: Member) -> bool:
        """Whether `member`'s typing notice goes to its room now (and it is counted if so)."""
        now = self._clock()
        if now - member.typed_at < TYPING_RELAY_SECONDS:
            return False
        if not self._take(member.room):
            return False
        member.typed_at = now
        return True

    def relays_from_elsewhere(self, room: str) -> bool:
        """Whether a notice another node relayed goes to `room`'s members here now (and it is
        counted if so). Its typist's own pace was kept on that node. Ask only for a room with
        members here: the budget goes when the last one leaves (`forget`)."""
        return self._take(room)

    def _take(self, room: str) -> bool:
        budget = self._rooms.get(room)
        if budget is None:
            per_second = TYPING_ROOM_BURST / TYPING_RELAY_SECONDS
            budget = self._rooms[room] = RateLimiter(TYPING_ROOM_BURST, per_second, self._clock)
        try:
            budget.take()
        except Refused:
            return False
        return True

    def forget(self, room: str) -> None:
        """The room's last member left."""
        self._rooms.pop(room, None)
