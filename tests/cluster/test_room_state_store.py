"""The rooms' shared state on a real PostgreSQL, through its store: what nodes read back."""

from __future__ import annotations

import pytest

from server.rooms.bans import MAX_BANS
from server.storage.pg_room_state import HOST_ACTIONS_KEPT_SECONDS, PostgresRoomState

pytestmark = pytest.mark.process


@pytest.fixture
def state(postgres_url):
    store = PostgresRoomState(postgres_url)
    yield store
    store.close()


def test_every_node_gets_one_token_key_and_a_second_start_migrates_nothing(state, postgres_url):
    again = PostgresRoomState(postgres_url)
    try:
        assert again.token_key() == state.token_key() and len(state.token_key()) == 32
    finally:
        again.close()


def test_each_write_moves_the_version_and_a_password_change_moves_the_rooms_generation(state):
    start = state.version()
    state.set_password("team", {"salt": "00", "scrypt": "11"})
    state.set_password("team", {"salt": "22", "scrypt": "33"})
    snapshot = state.snapshot()
    assert snapshot.version == start + 2
    assert snapshot.private_rooms == {"team": {"salt": "22", "scrypt": "33"}}
    assert snapshot.generations == {"team": 2}
    assert state.make_open("team") and not state.make_open("team")
    assert state.snapshot().generations == {"team": 4}
    assert state.snapshot().private_rooms == {}


def test_the_bans_stop_at_the_limit_but_a_ban_kept_already_may_be_renewed(state):
    for number in range(MAX_BANS):
        assert state.add_ban({"kind": "address", "value": f"10.0.{number // 250}.{number % 250}", "name": "",
                              "at": float(number)}, MAX_BANS)  # fmt: skip
    assert not state.add_ban({"kind": "address", "value": "10.9.9.9", "name": "", "at": 0.0}, MAX_BANS)
    assert state.add_ban({"kind": "address", "value": "10.0.0.0", "name": "again", "at": 5.0}, MAX_BANS)
    assert len(state.snapshot().bans) == MAX_BANS
    assert state.remove_ban("address", "10.0.0.0") and not state.remove_ban("address", "10.0.0.0")


def test_host_actions_are_read_in_order_and_dropped_once_older_than_kept(state):
    first = state.add_action({"kind": "remove", "room": "team", "name": "Bob"})
    second = state.add_action({"kind": "delete", "room": "team", "id": 3})
    assert [a.id for a in state.actions_after(0)] == [first, second] and state.last_action_id() == second
    assert [a.action["kind"] for a in state.actions_after(first)] == ["delete"]
    with state._transaction() as db:  # age the two: one just past the limit, one just inside
        db.execute(
            "UPDATE host_actions SET at = now() - make_interval(secs => %s) WHERE id = %s",
            (HOST_ACTIONS_KEPT_SECONDS + 1, first),
        )
        db.execute(
            "UPDATE host_actions SET at = now() - make_interval(secs => %s) WHERE id = %s",
            (HOST_ACTIONS_KEPT_SECONDS - 5, second),
        )
    third = state.add_action({"kind": "remove", "room": "team", "name": "Cy"})
    assert [a.id for a in state.actions_after(0)] == [second, third]
