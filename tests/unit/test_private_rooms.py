"""PrivateRooms alone, on a clock the test moves: the lockout's and the token's exact ends."""

from __future__ import annotations

import json

import pytest

from server.policy import PASSWORD_FAILURES_BEFORE_LOCKOUT, PASSWORD_LOCKOUT_SECONDS, ROOM_TOKEN_SECONDS
from server.protocol.codes import ErrorCode
from server.protocol.limits import MAX_ROOM_PASSWORD_CHARS, MIN_ROOM_PASSWORD_CHARS
from server.protocol.refusals import Refused
from server.rooms.private import PrivateRooms, hash_password


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def rooms(clock):
    return PrivateRooms(configured=[("team", hash_password("right"))], clock=clock)


def lock_out(rooms: PrivateRooms, address: str) -> None:
    for _ in range(PASSWORD_FAILURES_BEFORE_LOCKOUT):
        with pytest.raises(Refused):
            rooms.enter("team", "wrong", address)


def test_the_lockout_ends_exactly_its_seconds_after_the_last_wrong_password(rooms, clock):
    lock_out(rooms, "10.0.0.2")
    clock.now += PASSWORD_LOCKOUT_SECONDS - 0.001
    with pytest.raises(Refused) as refused:
        rooms.enter("team", "right", "10.0.0.2")
    assert refused.value.code == ErrorCode.PASSWORD_LOCKED
    assert refused.value.extra["retry_after"] == 0.001
    clock.now += 0.001
    assert rooms.enter("team", "right", "10.0.0.2")


def test_one_address_locked_out_does_not_lock_out_another(rooms):
    lock_out(rooms, "10.0.0.2")
    assert rooms.enter("team", "right", "10.0.0.3")


def test_a_history_token_opens_only_its_room_and_only_until_it_expires(rooms, clock):
    token = rooms.enter("team", "right", "10.0.0.2")
    assert rooms.token_valid("team", token) and not rooms.token_valid("other", token)
    clock.now += ROOM_TOKEN_SECONDS - 0.001
    assert rooms.token_valid("team", token)
    clock.now += 0.001
    assert not rooms.token_valid("team", token)


def test_a_new_password_revokes_the_tokens_and_the_old_password(rooms):
    token = rooms.enter("team", "right", "10.0.0.2")
    rooms.set_password("team", "newer")
    assert not rooms.token_valid("team", token)
    with pytest.raises(Refused):
        rooms.enter("team", "right", "10.0.0.2")
    assert rooms.enter("team", "newer", "10.0.0.2")


def test_a_password_the_host_sets_has_its_length_limits_at_both_ends():
    hash_password("x" * MIN_ROOM_PASSWORD_CHARS)
    hash_password("x" * MAX_ROOM_PASSWORD_CHARS)
    for bad in ("x" * (MIN_ROOM_PASSWORD_CHARS - 1), "x" * (MAX_ROOM_PASSWORD_CHARS + 1)):
        with pytest.raises(ValueError):
            hash_password(bad)


def test_the_window_s_private_rooms_are_kept_as_salted_hashes_across_a_restart(tmp_path):
    PrivateRooms(tmp_path).set_password("team", "right password")
    text = (tmp_path / "private-rooms.json").read_text()
    assert "right password" not in text and set(json.loads(text)["rooms"]["team"]) == {"salt", "scrypt"}
    assert (tmp_path / "private-rooms.json").stat().st_mode & 0o077 == 0
    again = PrivateRooms(tmp_path)
    assert again.is_private("team") and again.enter("team", "right password", None)
    again.make_open("team")
    assert not PrivateRooms(tmp_path).is_private("team")


def test_an_address_may_have_two_password_checks_running_at_once_and_a_third_is_told_to_wait(clock):
    import threading

    from server.rooms.private import (
        MAX_CHECKS_IN_FLIGHT_PER_ADDRESS,
        PASSWORD_BUSY_RETRY_SECONDS,
        PasswordHash,
    )

    release = threading.Event()
    started = threading.Semaphore(0)

    class SlowHash(PasswordHash):
        def matches(self, password: str) -> bool:
            started.release()
            release.wait(5)
            return password == "right"

    rooms = PrivateRooms(configured=[("team", SlowHash(b"", b""))], clock=clock)
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(rooms.enter("team", "right", "10.0.0.2")))
        for _ in range(MAX_CHECKS_IN_FLIGHT_PER_ADDRESS)
    ]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert started.acquire(timeout=5)
    with pytest.raises(Refused) as refused:
        rooms.enter("team", "right", "10.0.0.2")
    assert refused.value.code == ErrorCode.PASSWORD_LOCKED
    assert refused.value.extra["retry_after"] == PASSWORD_BUSY_RETRY_SECONDS
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(results) == MAX_CHECKS_IN_FLIGHT_PER_ADDRESS
    assert rooms.enter("team", "right", "10.0.0.2")  # nothing left running: checked again
