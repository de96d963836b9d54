"""Rooms per server, members per room and frames per address, without sockets."""

import pytest

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
from server.rooms.capacity import AddressRateLimits, NewRoomLimits, admit_member

NETWORK = "10.215.0.2"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_new_room_is_refused_only_once_the_server_holds_max_rooms():
    admit_member(room_exists=False, rooms=MAX_ROOMS - 1, members=0)
    with pytest.raises(Refused) as refused:
        admit_member(room_exists=False, rooms=MAX_ROOMS, members=0)
    assert refused.value.code == ErrorCode.TOO_MANY_ROOMS and str(MAX_ROOMS) in refused.value.detail
    admit_member(room_exists=True, rooms=MAX_ROOMS, members=5)  # existing rooms stay open


def test_a_room_takes_max_members_and_refuses_the_next():
    admit_member(room_exists=True, rooms=1, members=MAX_MEMBERS_PER_ROOM - 1)
    with pytest.raises(Refused) as refused:
        admit_member(room_exists=True, rooms=1, members=MAX_MEMBERS_PER_ROOM)
    assert refused.value.code == ErrorCode.ROOM_FULL


def test_an_address_shares_one_burst_across_its_connections():
    clock = Clock()
    limits = AddressRateLimits(clock)
    limits.hold(NETWORK)
    limits.hold(NETWORK)  # a second connection adds nothing
    for _ in range(ADDRESS_RATE_LIMIT_BURST):
        limits.take(NETWORK)
    with pytest.raises(Refused) as refused:
        limits.take(NETWORK)
    assert refused.value.code == ErrorCode.RATE_LIMITED
    assert refused.value.extra["retry_after"] == pytest.approx(1 / ADDRESS_RATE_LIMIT_PER_SECOND)
    assert "your address" in refused.value.detail
    limits.hold("10.215.0.3")
    limits.take("10.215.0.3")  # another address has its own
    clock.now += 1.001 / ADDRESS_RATE_LIMIT_PER_SECOND  # one token's refill (and a hair, for floats)
    limits.take(NETWORK)


def test_loopback_has_no_limit_of_its_own_beyond_each_connections():
    limits = AddressRateLimits(Clock())
    limits.hold("127.0.0.1")
    for _ in range(ADDRESS_RATE_LIMIT_BURST * 10):
        limits.take("127.0.0.1")


def test_reconnecting_does_not_refill_the_bucket_until_it_would_have_refilled_anyway():
    clock = Clock()
    limits = AddressRateLimits(clock)
    limits.hold(NETWORK)
    for _ in range(ADDRESS_RATE_LIMIT_BURST):
        limits.take(NETWORK)
    limits.release(NETWORK)
    limits.hold(NETWORK)
    with pytest.raises(Refused):
        limits.take(NETWORK)
    limits.release(NETWORK)
    clock.now += AddressRateLimits.IDLE_SECONDS
    limits.hold("10.215.0.3")  # sweeps the stale bucket
    limits.hold(NETWORK)
    for _ in range(ADDRESS_RATE_LIMIT_BURST):
        limits.take(NETWORK)


def test_an_address_makes_its_burst_of_new_rooms_then_one_a_minute():
    clock = Clock()
    rooms = NewRoomLimits(clock)
    for _ in range(NEW_ROOMS_BURST):
        rooms.take(NETWORK)
    with pytest.raises(Refused) as refused:
        rooms.take(NETWORK)
    assert refused.value.code == ErrorCode.TOO_MANY_NEW_ROOMS
    assert refused.value.extra["retry_after"] == pytest.approx(3600 / NEW_ROOMS_PER_HOUR)
    rooms.take("10.215.0.3")  # another address has its own
    clock.now += 3601 / NEW_ROOMS_PER_HOUR
    rooms.take(NETWORK)
    with pytest.raises(Refused):
        rooms.take(NETWORK)


def test_loopback_makes_new_rooms_without_a_limit():
    rooms = NewRoomLimits(Clock())
    for _ in range(NEW_ROOMS_BURST * 10):
        rooms.take("127.0.0.1")
