"""How much one server holds and how fast one address may send: plain rules, no sockets.

Each limit keeps one client from taking what everyone shares: the room list (rooms per server),
a room's fan-out (members per room) and the history on disk (frames per second per address;
history.py drops the oldest past its own limits). Refusals are `Refused`, as in rules.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from server.addresses import is_local_client
from server.policy import (
    ADDRESS_RATE_LIMIT_BURST,
    ADDRESS_RATE_LIMIT_PER_SECOND,
    MAX_MEMBERS_PER_ROOM,
    MAX_ROOMS,
    NEW_ROOMS_BURST,
    NEW_ROOMS_PER_HOUR,
)
from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused
from server.rooms.rate_limit import RateLimiter

__all__ = ["AddressRateLimits", "NewRoomLimits", "admit_member", "too_many_new_rooms"]


def admit_member(*, room_exists: bool, rooms: int, members: int) -> None:
    """Whether one more connection may join a room: a new room needs a free place on the server,
    any room a free place in it. `rooms` counts rooms with members or history."""
    if not room_exists and rooms >= MAX_ROOMS:
        raise Refused(
            ErrorCode.TOO_MANY_ROOMS,
            f"This server holds {MAX_ROOMS} rooms already, the most it keeps; join one of them.",
        )
    if members >= MAX_MEMBERS_PER_ROOM:
        raise Refused(
            ErrorCode.ROOM_FULL,
            f"This room has {MAX_MEMBERS_PER_ROOM} connections already, the most one room takes.",
        )


class AddressRateLimits:
    """One token bucket per client address on the network, shared by all its connections, so 50
    connections from one machine send no faster than its own limit. Loopback has none.

    A bucket outlives its address's last connection by a minute: reconnecting must not refill it."""

    # Long past a full refill (burst / rate is 3 s): a bucket dropped after this is one a new
    # connection would get anyway.
    IDLE_SECONDS = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str | None, RateLimiter] = {}
        self._holders: dict[str | None, int] = {}
        self._released: dict[str | None, float] = {}  # unheld addresses: when their last one left

    def hold(self, address: str | None) -> None:
        """A connection from `address` joined."""
        self._sweep()
        self._released.pop(address, None)
        self._holders[address] = self._holders.get(address, 0) + 1
        if address not in self._buckets and not is_local_client(address):
            self._buckets[address] = RateLimiter(
                ADDRESS_RATE_LIMIT_BURST, ADDRESS_RATE_LIMIT_PER_SECOND, self._clock
            )

    def release(self, address: str | None) -> None:
        """A connection from `address` left."""
        left = self._holders.get(address, 0) - 1
        if left > 0:
            self._holders[address] = left
            return
        self._holders.pop(address, None)
        self._released[address] = self._clock()

    def _sweep(self) -> None:
        now = self._clock()
        # Insertion order is release order, so the stale ones are at the front.
        while self._released:
            address, since = next(iter(self._released.items()))
            if now - since < self.IDLE_SECONDS:
                return
            del self._released[address]
            self._buckets.pop(address, None)

    def take(self, address: str | None) -> None:
        """Spend one of the address's tokens, or raise Refused(RATE_LIMITED) saying when to retry."""
        bucket = self._buckets.get(address)
        if bucket is None:
            return  # loopback
        try:
            bucket.take()
        except Refused as refusal:
            raise Refused(
                ErrorCode.RATE_LIMITED,
                f"Too many frames from your address, all its connections together; at most"
                f" {bucket.per_second:g} a second. Retry in {refusal.extra['retry_after']:g} s.",
                **refusal.extra,
            ) from None


class NewRoomLimits:
    """How fast each address on the network makes new rooms: NEW_ROOMS_BURST at once, then
    NEW_ROOMS_PER_HOUR. A bucket unused for as long as a full refill takes is forgotten."""

    PER_SECOND = NEW_ROOMS_PER_HOUR / 3600
    REFILL_SECONDS = NEW_ROOMS_BURST / PER_SECOND

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str | None, tuple[RateLimiter, float]] = {}

    def take(self, address: str | None) -> None:
        """Count one new room made from `address`, or raise Refused(TOO_MANY_NEW_ROOMS)."""
        if is_local_client(address):
            return
        now = self._clock()
        if len(self._buckets) > 256:
            self._buckets = {a: b for a, b in self._buckets.items() if now - b[1] < self.REFILL_SECONDS}
        bucket = self._buckets.get(address, (None, now))[0]
        if bucket is None:
            bucket = RateLimiter(NEW_ROOMS_BURST, self.PER_SECOND, self._clock)
        self._buckets[address] = (bucket, now)
        try:
            bucket.take()
        except Refused as refusal:
            raise too_many_new_rooms(refusal.extra["retry_after"]) from None


def too_many_new_rooms(retry_after: float) -> Refused:
    return Refused(
        ErrorCode.TOO_MANY_NEW_ROOMS,
        f"Your address made {NEW_ROOMS_BURST} new rooms just now; it may make"
        f" {NEW_ROOMS_PER_HOUR} an hour. Join an existing room, or retry in {retry_after:g} s.",
        retry_after=retry_after,
    )
