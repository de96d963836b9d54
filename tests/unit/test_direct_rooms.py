"""The names of direct conversations and the per-identity limit, as plain functions."""

from __future__ import annotations

import pytest

from server.policy import MAX_DIRECT_ROOMS_PER_IDENTITY
from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused
from server.rooms.direct import check_direct_capacity, direct_pair, direct_room
from server.rooms.validation import validate_room

A, B = "0" * 16, "f" * 16


def test_both_people_arrive_at_one_room_name_from_either_side():
    assert direct_room(A, B) == direct_room(B, A) == f"@dm:{A}:{B}"
    assert direct_pair(direct_room(B, A)) == (A, B)


@pytest.mark.parametrize(
    "room", [f"@dm:{B}:{A}", f"@dm:{A}:{A}", f"@dm:{A}:{B.upper()}", f"@dm:{A}:{B}0", f"dm:{A}:{B}"]
)
def test_only_the_canonical_spelling_is_a_direct_room_and_no_other_is_valid(room):
    assert direct_pair(room) is None
    with pytest.raises(Refused) as caught:
        validate_room(room)
    assert caught.value.code == ErrorCode.ROOM_INVALID


def test_one_identity_and_itself_make_no_direct_room():
    with pytest.raises(ValueError):
        direct_room(A, A)


def test_a_new_direct_room_is_refused_exactly_at_the_identitys_limit():
    others = [f"{n:016x}" for n in range(1, MAX_DIRECT_ROOMS_PER_IDENTITY + 2)]
    rooms = [direct_room(A, other) for other in others]

    def in_all(room):
        return True

    check_direct_capacity(A, rooms[-2], rooms[: MAX_DIRECT_ROOMS_PER_IDENTITY - 1], in_all)  # the last fits
    with pytest.raises(Refused) as caught:
        check_direct_capacity(A, rooms[-1], rooms[:MAX_DIRECT_ROOMS_PER_IDENTITY], in_all)
    assert caught.value.code == ErrorCode.TOO_MANY_DIRECT_ROOMS
    check_direct_capacity(
        A, rooms[0], rooms[:MAX_DIRECT_ROOMS_PER_IDENTITY], in_all
    )  # an existing one is fine
    check_direct_capacity(
        others[-1], rooms[-1], rooms[:MAX_DIRECT_ROOMS_PER_IDENTITY], in_all
    )  # another's count


def test_rooms_the_identity_takes_no_part_in_do_not_count():
    others = [f"{n:016x}" for n in range(1, MAX_DIRECT_ROOMS_PER_IDENTITY + 2)]
    rooms = [direct_room(A, other) for other in others]
    opened_by_others = set(rooms[:MAX_DIRECT_ROOMS_PER_IDENTITY])
    check_direct_capacity(A, rooms[-1], opened_by_others, lambda room: room not in opened_by_others)
