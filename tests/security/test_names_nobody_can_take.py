"""Identities (hello) and names nobody else can take (issue 14 items 1 and 2), on a real server.

Each review case of issue 14 item 2 is a test here; the character rules are in tests/cases/names.json.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.limits import IDENTITY_ID_CHARS, IDENTITY_SECRET_MAX_CHARS, IDENTITY_SECRET_MIN_CHARS
from tests.support.frames import frames_until, new_secret


@contextmanager
def open_room(
    server, name: str | None = None, *, secret: str | None = None, v2: bool = True, room="general"
) -> Iterator[ClientConnection]:
    """A connection that has read its welcome (v2) and, with a secret, said hello first."""
    query = {**({"v": 2} if v2 else {}), **({"name": name} if name else {})}
    with connect(f"{server.ws_base}/ws/{room}?{urllib.parse.urlencode(query)}") as ws:
        if secret is not None:
            ws.send(json.dumps({"type": "hello", "secret": secret}))
        if v2:
            frames_until(ws, lambda f: f["type"] == "welcome")
        if secret is not None:
            frames_until(ws, lambda f: f["type"] == "identified")
        yield ws


def sync(ws: ClientConnection, watcher: ClientConnection, sender: str, text: str = "sync") -> list[dict]:
    """Post a message and read the watcher's frames up to it: what the watcher saw meanwhile."""
    ws.send(json.dumps({"text": text, "sender": sender}))
    return frames_until(watcher, lambda f: f.get("text") == text)


def stored_texts(server) -> list[str]:
    page = httpx.get(server.url + "api/rooms/general/messages").json()
    return [message["text"] for message in page["messages"]]


def members_now(server) -> list[str]:
    with connect(f"{server.ws_base}/ws/general?v=2") as ws:
        return frames_until(ws, lambda f: f["type"] == "welcome")[-1]["members"]


def error_of(ws: ClientConnection) -> dict:
    return frames_until(ws, lambda f: f["type"] == "error")[-1]


def test_a_hello_is_answered_with_an_identity_derived_from_the_secret_alone(server):
    secret = new_secret()
    with connect(f"{server.ws_base}/ws/general?v=2&name=Alice") as ws:
        ws.send(json.dumps({"type": "hello", "secret": secret}))
        identified = frames_until(ws, lambda f: f["type"] == "identified")[-1]
    expected = hashlib.sha256(b"lanchat-identity-v1\x00" + secret.encode()).hexdigest()[:IDENTITY_ID_CHARS]
    # The id, and nothing of the secret; `seen` is the room's read receipts (none yet).
    assert identified == {"type": "identified", "identity": expected, "seen": []}
    with connect(f"{server.ws_base}/ws/other?v=2") as ws:
        ws.send(json.dumps({"type": "hello", "secret": secret}))
        assert frames_until(ws, lambda f: f["type"] == "identified")[-1]["identity"] == expected


@pytest.mark.parametrize(
    ("secret", "accepted"),
    [
        ("a" * (IDENTITY_SECRET_MIN_CHARS - 1), False),
        ("a" * IDENTITY_SECRET_MIN_CHARS, True),
        ("-_" * (IDENTITY_SECRET_MAX_CHARS // 2), True),
        ("a" * (IDENTITY_SECRET_MAX_CHARS + 1), False),
        ("a" * 30 + "=", False),
        ("a" * 30 + "é", False),
        (12345678901234567890123, False),
        (None, False),
    ],
)
def test_a_secret_is_checked_at_the_edges_of_its_length_and_alphabet(server, secret, accepted):
    with connect(f"{server.ws_base}/ws/general") as ws:
        ws.send(json.dumps({"type": "hello", "secret": secret}))
        answer = json.loads(ws.recv(timeout=5))
        if accepted:
            assert answer["type"] == "identified"
        else:
            assert answer["code"] == ErrorCode.SECRET_INVALID
            # A refused hello may be said again, right.
            ws.send(json.dumps({"type": "hello", "secret": new_secret()}))
            assert json.loads(ws.recv(timeout=5))["type"] == "identified"


def test_a_hello_after_another_frame_is_refused_and_the_connection_stays(server):
    with open_room(server, "Alice") as ws:
        ws.send(json.dumps({"type": "typing"}))
        ws.send(json.dumps({"type": "hello", "secret": new_secret()}))
        assert error_of(ws)["code"] == ErrorCode.HELLO_UNEXPECTED
        ws.send(json.dumps({"text": "still here", "sender": "Alice"}))
        frames_until(ws, lambda f: f.get("text") == "still here")


def test_a_look_alike_of_a_held_name_is_refused_and_the_holder_keeps_chatting(server):
    # The second "Anna" starts with CYRILLIC CAPITAL LETTER A: the same picture as the Latin "Anna".
    with (
        open_room(server, "Anna", secret=new_secret()) as anna,
        open_room(server, "\u0410nna", secret=new_secret()) as impostor,
    ):
        impostor.send(json.dumps({"type": "typing"}))  # its first frame: its ?name= is decided
        assert error_of(impostor)["code"] == ErrorCode.NAME_TAKEN
        anna.send(json.dumps({"text": "still me", "sender": "Anna"}))
        said = frames_until(anna, lambda f: f.get("text") == "still me")[-1]
        assert said["sender"] == "Anna"
        assert members_now(server) == ["Anna"]


def test_a_second_connection_as_alice_is_not_listed_and_alice_leaves_when_the_real_one_does(server):
    with (
        open_room(server, "Watcher") as watcher,
        open_room(server, "Alice", secret=new_secret()) as alice,
        open_room(server, "Alice", secret=new_secret()) as impostor,
        open_room(server, "Alice", v2=False) as seed,
    ):
        assert members_now(server) == ["Alice", "Watcher"]
        impostor.send(json.dumps({"type": "typing"}))  # its first frame: its ?name= is decided
        assert error_of(impostor)["code"] == ErrorCode.NAME_TAKEN
        seed.send(json.dumps({"text": "hi", "sender": "Alice", "client_id": "c-seed"}))
        refusal = error_of(seed)
        assert (refusal["code"], refusal["client_id"]) == (ErrorCode.NAME_TAKEN, "c-seed")
        alice.close()
        seen = sync(impostor, watcher, "Impostor")
        assert [
            (f["event"], f["name"]) for f in seen if f["type"] == "presence" and f["name"] == "Alice"
        ] == [
            ("join", "Alice"),
            ("leave", "Alice"),
        ]
        assert "Alice" not in members_now(server)
    assert stored_texts(server) == ["sync"]


def test_typing_under_someone_elses_name_is_refused_and_shows_nobody_typing(server):
    with (
        open_room(server, "Watcher") as watcher,
        open_room(server, "Alice", secret=new_secret()),
        open_room(server, "Mallory", secret=new_secret()) as mallory,
    ):
        mallory.send(json.dumps({"type": "typing", "sender": "Alice"}))
        assert error_of(mallory)["code"] == ErrorCode.NAME_TAKEN
        seen = sync(mallory, watcher, "Mallory")
    assert not [f for f in seen if f["type"] == "typing"]


@pytest.mark.parametrize("spelling", ["Alice", "alice", "ALICE", " Alice ", "Al\u200dice", "Alice\u00a0"])
def test_posting_under_a_held_name_in_any_case_or_spacing_is_refused_and_not_stored(server, spelling):
    with (
        open_room(server, "Alice", secret=new_secret()),
        open_room(server, "Mallory", secret=new_secret()) as mallory,
    ):
        mallory.send(json.dumps({"text": "I am Alice", "sender": spelling, "client_id": "c-1"}))
        refusal = error_of(mallory)
        assert refusal["code"] in (ErrorCode.NAME_TAKEN, ErrorCode.SENDER_INVALID)
        assert refusal["client_id"] == "c-1"
    assert stored_texts(server) == []


def test_the_same_identity_in_two_tabs_shares_its_name(server):
    secret = new_secret()
    with open_room(server, "Watcher") as watcher, open_room(server, "Alice", secret=secret) as first:
        with open_room(server, "Alice", secret=secret) as second:
            sync(second, watcher, "Alice", "from the second tab")
        seen = sync(first, watcher, "Alice", "from the first tab")
    assert not [f for f in seen if f["type"] == "presence" and f["name"] == "Alice"]  # no leave in between


@pytest.mark.parametrize("sender", ["\u202eecilA", "Ali\u200bce", "\ufeff\u180e", "invoice\u202efdp.exe"])
def test_names_with_invisible_or_reordering_characters_are_refused(server, sender):
    with open_room(server, v2=False) as ws:
        ws.send(json.dumps({"text": "hi", "sender": sender}))
        assert error_of(ws)["code"] == ErrorCode.SENDER_INVALID
    with connect(f"{server.ws_base}/ws/general?{urllib.parse.urlencode({'v': 2, 'name': sender})}") as ws:
        assert json.loads(ws.recv(timeout=5))["code"] == ErrorCode.SENDER_INVALID
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == CloseCode.QUERY_INVALID
    assert stored_texts(server) == []


def test_a_seed_client_may_use_a_name_no_identity_holds_until_an_identity_claims_it(server):
    with open_room(server, "Watcher") as watcher, open_room(server, v2=False) as seed:
        seed.send(json.dumps({"text": "hello", "sender": "Bob"}))
        frames_until(watcher, lambda f: f.get("text") == "hello")
        with open_room(server, "Bob", secret=new_secret()) as bob:
            assert error_of(seed)["code"] == ErrorCode.NAME_TAKEN  # told when it lost the name
            seed.send(json.dumps({"text": "still Bob?", "sender": "Bob", "client_id": "c-2"}))
            assert error_of(seed)["code"] == ErrorCode.NAME_TAKEN
            seen = sync(bob, watcher, "Bob", "the real Bob")
    assert not [f for f in seen if f["type"] == "presence" and f["name"] == "Bob"]  # listed all along
    assert stored_texts(server) == ["hello", "the real Bob"]


def test_two_tabs_of_one_identity_opened_at_once_both_keep_the_name(server):
    secret = new_secret()
    url = f"{server.ws_base}/ws/general?v=2&name=Alice"
    with open_room(server, "Watcher") as watcher, connect(url) as first, connect(url) as second:
        for tab in (first, second):  # both are in before either says who it is
            frames_until(tab, lambda f: f["type"] == "welcome")
        for tab in (first, second):
            tab.send(json.dumps({"type": "hello", "secret": secret}))
            frames_until(tab, lambda f: f["type"] == "identified")
        sync(second, watcher, "Alice", "from the second tab")
        first.close()
        seen = sync(second, watcher, "Alice", "still Alice")
        own = frames_until(second, lambda f: f.get("text") == "still Alice")
    assert not [f for f in seen if f["type"] == "presence" and f["name"] == "Alice"]  # no leave
    assert not [f for f in own if f["type"] == "error"]
    assert stored_texts(server) == ["from the second tab", "still Alice"]
