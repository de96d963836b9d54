"""A private room's member keeps a live history token while it stays connected (a `token` frame
at ROOM_TOKEN_REFRESH_FRACTION of the token's life), on a real `lanchat serve` with a 2 s token."""

from __future__ import annotations

import argparse
import json
import math
import time
import urllib.parse

import httpx
import pytest
from websockets.sync.client import connect

from server.policy import ROOM_TOKEN_REFRESH_FRACTION
from server.protocol.limits import ROOM_TOKEN_HEADER
from server.runtime.cli import positive_seconds
from tests.support.frames import frames_until
from tests.support.rooms import ALICE, DIRECT_ROOM, PASSWORD, private_room_args, room_url

pytestmark = pytest.mark.serial

# Long enough that a loaded CI machine answers an HTTP request well inside half of it.
TOKEN_SECONDS = 6.0


@pytest.fixture(scope="module")
def server(module_serve_process, tmp_path_factory):
    args = (*private_room_args(tmp_path_factory.mktemp("tokens")), "--room-token-seconds", str(TOKEN_SECONDS))
    return module_serve_process(extra_args=args)


def history_status(server, token: str) -> int:
    response = httpx.get(f"{server.url}api/rooms/team/messages", headers={ROOM_TOKEN_HEADER: token})
    return response.status_code


def test_a_member_gets_a_fresh_token_before_its_first_expires(server):
    with connect(room_url(server, "team", v=2, name="Alice")) as alice:
        alice.send(json.dumps({"type": "password", "password": PASSWORD}))
        entered = frames_until(alice, lambda f: f["type"] == "entered")[-1]
        first_expiry = time.monotonic() + TOKEN_SECONDS  # the token was issued before this
        assert entered["expires_in"] == TOKEN_SECONDS
        fresh = frames_until(alice, lambda f: f["type"] == "token", timeout=TOKEN_SECONDS)[-1]
        arrived = time.monotonic()
        assert arrived < first_expiry
        assert arrived > first_expiry - TOKEN_SECONDS + TOKEN_SECONDS * ROOM_TOKEN_REFRESH_FRACTION * 0.9
        assert fresh == {
            "type": "token",
            "room": "team",
            "token": fresh["token"],
            "expires_in": TOKEN_SECONDS,
        }
        assert fresh["token"] != entered["token"]
        assert history_status(server, entered["token"]) == 200  # the old one is good till its own end
        time.sleep(max(0.0, first_expiry - time.monotonic()) + 0.05)
        assert history_status(server, fresh["token"]) == 200
        assert history_status(server, entered["token"]) == 403
        # And again: the member stays served as long as it stays.
        again = frames_until(alice, lambda f: f["type"] == "token", timeout=TOKEN_SECONDS)[-1]
        assert history_status(server, again["token"]) == 200


@pytest.mark.parametrize("query", [{}, {"v": 2}], ids=["seed", "v2"])
def test_an_open_room_sends_no_token_frames(server, query):
    with connect(room_url(server, "lobby", name="Bob", **query)) as bob:
        frames = []
        deadline = time.monotonic() + TOKEN_SECONDS * ROOM_TOKEN_REFRESH_FRACTION * 1.5
        while (left := deadline - time.monotonic()) > 0:
            try:
                frames.append(json.loads(bob.recv(timeout=left)))
            except TimeoutError:
                break
        assert all(frame.get("type") not in ("token", "entered") for frame in frames)


def test_the_files_cookie_lasts_as_long_as_the_configured_token(server):
    with connect(room_url(server, "team", v=2, name="Carol")) as carol:
        carol.send(json.dumps({"type": "password", "password": PASSWORD}))
        token = frames_until(carol, lambda f: f["type"] == "entered")[-1]["token"]
        response = httpx.post(
            f"{server.url}api/rooms/team/access",
            headers={ROOM_TOKEN_HEADER: token, "Origin": server.url.rstrip("/")},
        )
        assert response.status_code == 204
        assert f"Max-Age={math.ceil(TOKEN_SECONDS)}" in response.headers["set-cookie"]


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_a_token_lifetime_must_be_a_positive_number_of_seconds(value):
    with pytest.raises(argparse.ArgumentTypeError):
        positive_seconds(value)


def test_the_shortest_token_lifetime_is_taken():
    assert positive_seconds("0.001") == 0.001


def test_a_direct_room_member_gets_fresh_tokens_too(server):
    room = urllib.parse.quote(DIRECT_ROOM, safe="")
    with connect(f"{server.ws_base}/ws/{room}?v=2&name=Alice") as alice:
        alice.send(json.dumps({"type": "hello", "secret": ALICE}))
        fresh = frames_until(alice, lambda f: f["type"] == "token", timeout=TOKEN_SECONDS)[-1]
        assert fresh["room"] == DIRECT_ROOM
        response = httpx.get(
            f"{server.url}api/rooms/{room}/messages", headers={ROOM_TOKEN_HEADER: fresh["token"]}
        )
        assert response.status_code == 200
