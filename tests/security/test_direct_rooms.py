"""Direct conversations (issue 14 item 4) on a real `lanchat serve`: two identities, nobody else."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.policy import MAX_DIRECT_ROOMS_PER_IDENTITY
from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.limits import ROOM_TOKEN_HEADER
from server.rooms.direct import direct_room
from server.rooms.identity import identity_of
from tests.support.frames import frames_until
from tests.support.rooms import ALICE, BOB, DIRECT_ROOM, room_url

EVE = "e" * 43
ROOM = DIRECT_ROOM


def url(server, room: str = ROOM, **query) -> str:
    return room_url(server, room, **query)


@contextmanager
def entered(
    server, secret: str, name: str, room: str = ROOM
) -> Iterator[tuple[ClientConnection, list[dict]]]:
    """A v2 member that said its hello at the door; the frames up to its `identified`."""
    with connect(url(server, room, v=2, name=name)) as ws:
        ws.send(json.dumps({"type": "hello", "secret": secret}))
        yield ws, frames_until(ws, lambda f: f["type"] == "identified")


def refusal(ws: ClientConnection) -> tuple[dict, int | None]:
    frame = json.loads(ws.recv(timeout=5))
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    return frame, closed.value.rcvd.code if closed.value.rcvd else None


def test_both_identities_enter_their_direct_room_and_read_its_history(server):
    with entered(server, ALICE, "Alice") as (alice, frames):
        assert frames[0]["type"] == "entered" and frames[0]["room"] == ROOM
        assert type(frames[0]["expires_in"]) is int  # 600, not 600.0: typed clients refuse a float
        alice.send(json.dumps({"text": "just between us", "sender": "Alice"}))
        frames_until(alice, lambda f: f["type"] == "message")
    with entered(server, BOB, "Bob") as (_, frames):
        assert [f["text"] for f in frames if f["type"] == "message"] == ["just between us"]
        welcome = next(f for f in frames if f["type"] == "welcome")
        assert welcome["members"] == ["Bob"]
        token = frames[0]["token"]
    history = httpx.get(
        f"{server.url}api/rooms/{urllib.parse.quote(ROOM, safe='')}/messages",
        headers={ROOM_TOKEN_HEADER: token},
    )
    assert history.status_code == 200
    assert [m["text"] for m in history.json()["messages"]] == ["just between us"]


def test_a_direct_rooms_file_access_without_a_token_says_direct_forbidden(server):
    answer = httpx.post(f"{server.url}api/rooms/{urllib.parse.quote(ROOM, safe='')}/access")
    assert answer.status_code == 403
    assert answer.json()["detail"]["code"] == ErrorCode.DIRECT_FORBIDDEN  # not password_required


def test_a_third_identity_cannot_join_read_or_list_a_direct_room(server):
    with entered(server, ALICE, "Alice") as (alice, _):
        alice.send(json.dumps({"text": "just between us", "sender": "Alice"}))
        frames_until(alice, lambda f: f["type"] == "message")
        with connect(url(server, v=2, name="Eve")) as eve:
            eve.send(json.dumps({"type": "hello", "secret": EVE}))
            frame, code = refusal(eve)
        assert frame["code"] == ErrorCode.DIRECT_FORBIDDEN and code == CloseCode.DIRECT_FORBIDDEN
        with pytest.raises(TimeoutError):  # Alice is not told anyone knocked
            alice.recv(timeout=0.3)
    # Eve's token of her own direct room with Alice opens that one only.
    with entered(server, EVE, "Eve", room=direct_room(identity_of(EVE), identity_of(ALICE))) as (_, frames):
        eve_token = frames[0]["token"]
    with entered(server, EVE, "Eve", room="lobby") as (eve, _):
        eve.send(json.dumps({"text": "anyone?", "sender": "Eve"}))
        frames_until(eve, lambda f: f["type"] == "message")
    path = f"{server.url}api/rooms/{urllib.parse.quote(ROOM, safe='')}/messages"
    for headers in ({}, {ROOM_TOKEN_HEADER: "forged"}, {ROOM_TOKEN_HEADER: eve_token}):
        answer = httpx.get(path, headers=headers)
        assert answer.status_code == 403
        assert answer.json()["detail"]["code"] == ErrorCode.DIRECT_FORBIDDEN
        assert "just between us" not in answer.text
    rooms = httpx.get(f"{server.url}api/rooms").json()
    assert [room["name"] for room in rooms["rooms"]] == ["lobby"]
    assert rooms["total"] == 1


def test_a_seed_client_gets_nothing_of_a_direct_room(server):
    with entered(server, ALICE, "Alice") as (alice, _):
        alice.send(json.dumps({"text": "just between us", "sender": "Alice"}))
        frames_until(alice, lambda f: f["type"] == "message")
    with connect(url(server)) as seed:
        seed.send(json.dumps({"text": "hi", "sender": "Mallory", "room": ROOM}))
        frame, code = refusal(seed)
    assert frame["code"] == ErrorCode.DIRECT_FORBIDDEN and code == CloseCode.DIRECT_FORBIDDEN


def test_a_room_name_that_only_looks_direct_is_refused(server):
    unsorted = f"@dm:{identity_of(BOB)}:{identity_of(ALICE)}"
    with connect(url(server, unsorted, v=2)) as ws:
        frame, code = refusal(ws)
    assert frame["code"] == ErrorCode.ROOM_INVALID and code == CloseCode.ROOM_INVALID


def test_members_learn_each_others_identity_ids_to_open_a_direct_room(server):
    with (
        entered(server, ALICE, "Alice", room="lobby") as (alice, _),
        entered(server, BOB, "Bob", room="lobby") as (_, frames),
    ):
        welcome = next(f for f in frames if f["type"] == "welcome")
        assert welcome["identities"]["Alice"] == identity_of(ALICE)
        told = frames_until(alice, lambda f: f["type"] == "members" and "Bob" in f["members"])[-1]
        assert told["identities"] == {"Alice": identity_of(ALICE), "Bob": identity_of(BOB)}


def test_an_identity_makes_at_most_the_limit_of_direct_rooms(server):
    others = [identity_of(f"{n:043d}") for n in range(MAX_DIRECT_ROOMS_PER_IDENTITY + 1)]
    rooms = [direct_room(identity_of(ALICE), other) for other in others]
    for room in rooms[:MAX_DIRECT_ROOMS_PER_IDENTITY]:
        with entered(server, ALICE, "Alice", room=room):
            pass  # a room exists while it has members: hold the last ones below with history
        with entered(server, ALICE, "Alice", room=room) as (alice, _):
            alice.send(json.dumps({"text": "hi", "sender": "Alice"}))
            frames_until(alice, lambda f: f["type"] == "message")
    with connect(url(server, rooms[-1], v=2)) as ws:
        ws.send(json.dumps({"type": "hello", "secret": ALICE}))
        frame, code = refusal(ws)  # no token for it either
    assert frame["code"] == ErrorCode.TOO_MANY_DIRECT_ROOMS and code == CloseCode.TOO_MANY_DIRECT_ROOMS
    # The other side may still answer in a room that exists, and Alice may enter the old ones.
    with entered(server, ALICE, "Alice", room=rooms[0]):
        pass


def test_conversations_others_opened_and_never_answered_do_not_use_up_ones_share(server):
    strangers = [f"{n:043d}" for n in range(MAX_DIRECT_ROOMS_PER_IDENTITY)]
    for secret in strangers:  # each opens a conversation with Alice and writes once
        room = direct_room(identity_of(secret), identity_of(ALICE))
        with entered(server, secret, f"S{secret[-3:]}", room=room) as (ws, _):
            ws.send(json.dumps({"text": "hi", "sender": f"S{secret[-3:]}"}))
            frames_until(ws, lambda f: f["type"] == "message")
    with entered(server, ALICE, "Alice", room=ROOM) as (_, frames):
        assert frames[-1]["type"] == "identified"  # a new conversation of her own still opens


def test_the_other_person_is_told_of_a_message_in_another_room_and_nobody_else_is(server):
    with (
        entered(server, BOB, "Bob", room="lobby") as (bob, _),
        entered(server, EVE, "Eve", room="lobby") as (eve, _),
    ):
        with entered(server, ALICE, "Alice") as (alice, _):
            alice.send(json.dumps({"text": "psst", "sender": "Alice"}))
            frames_until(alice, lambda f: f["type"] == "message")
        told = frames_until(bob, lambda f: f["type"] == "direct")[-1]
        assert told == {"type": "direct", "room": ROOM, "sender": "Alice"}
        with pytest.raises(TimeoutError):
            while True:  # Eve hears of Bob and Alice in the lobby, never of the direct room
                assert json.loads(eve.recv(timeout=0.5))["type"] != "direct"
