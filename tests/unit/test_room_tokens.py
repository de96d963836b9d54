"""Room tokens are signed, never stored: nobody's tokens can push out another's."""

from __future__ import annotations

import base64

from server.rooms.private import PrivateRooms
from server.rooms.room_tokens import RoomTokens, grant_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_no_number_of_tokens_issued_to_others_evicts_a_members_token():
    # 4,200 entries into direct rooms once evicted every private-room member's token (a table of
    # 4,096 live tokens); now a token is checked by its signature and nothing is kept.
    rooms = PrivateRooms()
    mine = rooms.issue_token("team")
    for n in range(10_000):
        rooms.issue_token(f"@dm:{n:016x}:{n + 1:016x}")
    assert rooms.token_valid("team", mine)


def test_a_token_opens_its_own_room_only_until_it_expires():
    clock = Clock()
    rooms = PrivateRooms(clock=clock, token_seconds=600)
    token = rooms.issue_token("team")
    assert rooms.token_valid("team", token) and not rooms.token_valid("other", token)
    clock.now += 599.999
    assert rooms.token_valid("team", token)
    clock.now += 0.001
    assert not rooms.token_valid("team", token)


def test_a_changed_byte_a_foreign_key_or_garbage_opens_nothing():
    token = PrivateRooms().issue_token("team")
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[20] ^= 1  # the expiry, pushed into the future or the past
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    rooms = PrivateRooms()
    for bad in (tampered, token, "", "x" * 10_000, "%%%", None):
        assert not rooms.token_valid("team", bad)  # another process: another key


def test_revoking_a_grant_or_the_identity_it_is_bound_to_closes_it_and_nothing_else():
    rooms = PrivateRooms()
    first, second, other = rooms.issue_token("team"), rooms.issue_token("team"), rooms.issue_token("team")
    rooms.tokens.revoke([grant_of(first)])
    rooms.tokens.bind([grant_of(second)], "a" * 16)
    rooms.tokens.revoke_identity("a" * 16)
    assert [rooms.token_valid("team", t) for t in (first, second, other)] == [False, False, True]


def test_a_grant_revoked_on_one_node_is_handed_on_and_closes_the_token_on_another():
    clock = Clock()
    key = b"k" * 32  # a cluster's shared key: every node opens every node's tokens
    here, there = RoomTokens(600, clock, key=key), RoomTokens(600, clock, key=key)
    handed: list[list[tuple[bytes, float]]] = []
    here.revoked_here = handed.append
    token, other = here.issue("team"), here.issue("team")
    here.bind([grant_of(token)], "a" * 16)
    here.revoke_identity("a" * 16)
    here.revoke([])  # nothing revoked: nothing handed on
    assert handed == [[(grant_of(token), clock.now + 600)]]
    assert there.opens(token, "team")  # until the other node adopts it
    there.adopt_revoked(handed[0])
    assert not there.opens(token, "team") and there.opens(other, "team")


def test_a_new_password_revokes_every_token_of_its_room():
    rooms = PrivateRooms()
    rooms.set_password("team", "secret-1")
    token, elsewhere = rooms.issue_token("team"), rooms.issue_token("other")
    rooms.set_password("team", "secret-2")
    assert not rooms.token_valid("team", token) and rooms.token_valid("other", elsewhere)
    assert rooms.token_valid("team", rooms.issue_token("team"))
