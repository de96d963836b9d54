"""The read receipts' store on each engine (SQLite beside the history, PostgreSQL shared by a
cluster): the same answers from both, each rule at its edge."""

from __future__ import annotations

import pytest

from server.storage.engines import open_receipts


@pytest.fixture
def receipts(open_store):
    opened = open_receipts(open_store())
    yield opened
    opened.close()


def test_a_receipt_is_kept_only_when_it_moves_further_and_says_where_it_stood(receipts):
    assert receipts.keep("room", "aa", "Ann", 5, 10) == 0  # new: it stood nowhere
    assert receipts.keep("room", "aa", "Ann", 5, 10) is None  # not further
    assert receipts.keep("room", "aa", "Ann", 4, 10) is None  # behind
    assert receipts.keep("room", "aa", "Ann K.", 6, 10) == 5  # one further, with the name now
    assert receipts.in_room("room") == [{"identity": "aa", "name": "Ann K.", "id": 6}]
    assert receipts.in_room("other") == []


def test_a_rooms_receipts_come_furthest_first_ties_by_identity_as_bytes(receipts):
    for identity, seen in (("b", 3), ("B", 3), ("a", 9), ("c", 1)):
        receipts.keep("room", identity, identity.upper(), seen, 10)
    assert [entry["identity"] for entry in receipts.in_room("room")] == ["a", "B", "b", "c"]


def test_a_room_at_its_bound_keeps_all_and_one_past_it_loses_the_one_that_saw_least(receipts):
    for number in range(3):
        receipts.keep("room", f"id{number}", f"n{number}", 10 + number, 3)
    assert len(receipts.in_room("room")) == 3
    receipts.keep("other", "id9", "n9", 1, 3)  # another room's count is its own
    assert receipts.keep("room", "late", "Late", 50, 3) == 0
    assert [entry["id"] for entry in receipts.in_room("room")] == [50, 12, 11]
    assert len(receipts.in_room("other")) == 1


def test_forgetting_an_identity_takes_its_receipt_in_that_room_only(receipts):
    receipts.keep("room", "aa", "Ann", 5, 10)
    receipts.keep("other", "aa", "Ann", 7, 10)
    receipts.forget("room", "aa")
    receipts.forget("room", "nobody")
    assert receipts.in_room("room") == []
    assert receipts.in_room("other") == [{"identity": "aa", "name": "Ann", "id": 7}]
