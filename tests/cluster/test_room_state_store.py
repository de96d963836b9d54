"""The rooms' shared state on a real PostgreSQL, through its store: what nodes read back."""

from __future__ import annotations

import time

import pytest

from server.cluster.limits import ClusterLockouts, ClusterNewRoomLimits
from server.policy import NEW_ROOMS_BURST, PASSWORD_FAILURES_BEFORE_LOCKOUT, PASSWORD_LOCKOUT_SECONDS
from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused
from server.rooms.bans import MAX_BANS
from server.rooms.capacity import NewRoomLimits
from server.storage.pg_room_state import (
    HOST_ACTIONS_KEPT_SECONDS,
    PASSWORD_FAILURES_KEPT_SECONDS,
    PostgresRoomState,
)

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


def test_revoked_grants_are_read_after_the_last_row_and_go_once_their_tokens_expired(state, postgres_url):
    other_node = PostgresRoomState(postgres_url)
    try:
        now = time.time()
        assert state.revoked_after(0) == (0, [])
        state.revoke_grants([(b"expiring", now + 0.5), (b"lasting1", now + 600)])
        last, revoked = other_node.revoked_after(0)
        assert revoked == [(b"expiring", now + 0.5), (b"lasting1", now + 600)]
        assert other_node.revoked_after(last) == (last, [])  # nothing new since
        time.sleep(0.6)
        state.revoke_grants([(b"lasting2", now + 600)])  # a write drops the rows that expired
        assert [grant for grant, _ in other_node.revoked_after(last)[1]] == [b"lasting2"]
        assert [grant for grant, _ in other_node.revoked_after(0)[1]] == [b"lasting1", b"lasting2"]
        assert state.version() == 0  # not a change the whole snapshot is read again for
    finally:
        other_node.close()


def test_a_password_pause_begins_at_the_limit_and_is_shared_through_the_database(state, postgres_url):
    other_node = PostgresRoomState(postgres_url)
    try:
        lockouts = [ClusterLockouts(state), ClusterLockouts(other_node)]
        left = [lockouts[n % 2].failed("10.0.0.7") for n in range(PASSWORD_FAILURES_BEFORE_LOCKOUT)]
        assert left == list(range(PASSWORD_FAILURES_BEFORE_LOCKOUT - 1, -1, -1))
        for book in lockouts:
            assert PASSWORD_LOCKOUT_SECONDS - 5 < book.locked_for("10.0.0.7") <= PASSWORD_LOCKOUT_SECONDS
        assert lockouts[0].locked_for("10.0.0.8") <= 0
        # One short of the pause, the right password starts the count again.
        for _ in range(PASSWORD_FAILURES_BEFORE_LOCKOUT - 1):
            lockouts[1].failed("10.0.0.8")
        lockouts[0].succeeded("10.0.0.8")
        assert lockouts[1].failed("10.0.0.8") == PASSWORD_FAILURES_BEFORE_LOCKOUT - 1
    finally:
        other_node.close()


def test_wrong_passwords_are_forgotten_once_older_than_kept(state):
    ClusterLockouts(state).failed("10.0.0.9")
    ClusterLockouts(state).failed("10.0.0.10")
    with state._transaction() as db:
        for address, age in (("10.0.0.9", PASSWORD_FAILURES_KEPT_SECONDS + 1), ("10.0.0.10", 60)):
            db.execute(
                "UPDATE password_failures SET at = now() - make_interval(secs => %s) WHERE address = %s",
                (age, address),
            )
    ClusterLockouts(state).failed("10.0.0.11")  # a wrong password sweeps the old ones
    with state._transaction() as db:
        kept = {row[0]: row[1] for row in db.execute("SELECT address, count FROM password_failures")}
    assert kept == {"10.0.0.10": 1, "10.0.0.11": 1}


def test_new_rooms_per_address_are_counted_by_every_node_together(state, postgres_url):
    other_node = PostgresRoomState(postgres_url)
    try:
        limits = [ClusterNewRoomLimits(state), ClusterNewRoomLimits(other_node)]
        for number in range(NEW_ROOMS_BURST):
            limits[number % 2].take("10.1.0.1")
        with pytest.raises(Refused) as refused:
            limits[0].take("10.1.0.1")
        assert refused.value.code == ErrorCode.TOO_MANY_NEW_ROOMS
        assert 0 < refused.value.extra["retry_after"] <= 1 / NewRoomLimits.PER_SECOND
        limits[1].take("10.1.0.2")  # another address has its own
        limits[1].take("127.0.0.1")  # this machine's window makes rooms as it likes
    finally:
        other_node.close()
