"""Renames are rate limited and presence carries only the change (issue 12 item 5), on a real server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from server.policy import PRESENCE_BURST, PRESENCE_PER_SECOND, RENAME_MIN_INTERVAL_SECONDS
from server.protocol.codes import ErrorCode
from tests.support.frames import frames_until

pytestmark = pytest.mark.serial


@contextmanager
def joined(server, name, room="general") -> Iterator[ClientConnection]:
    with connect(f"{server.ws_base}/ws/{room}?v=2&name={name}") as ws:
        frames_until(ws, lambda f: f["type"] == "welcome")
        yield ws


def test_a_second_rename_within_the_interval_is_refused_and_nothing_is_stored_or_announced(server):
    with joined(server, "Watcher") as watcher, joined(server, "Anna") as anna:
        anna.send(json.dumps({"text": "one", "sender": "Ann", "client_id": "c-1"}))  # the free rename
        frames_until(anna, lambda f: f["type"] == "ack")
        anna.send(json.dumps({"text": "two", "sender": "Annie", "client_id": "c-2"}))
        refusal = frames_until(anna, lambda f: f["type"] == "error")[-1]
        assert refusal["code"] == ErrorCode.NAME_CHANGE_TOO_SOON and refusal["client_id"] == "c-2"
        assert 0 < refusal["retry_after"] <= RENAME_MIN_INTERVAL_SECONDS
        assert str(int(RENAME_MIN_INTERVAL_SECONDS)) in refusal["detail"]
        anna.send(json.dumps({"text": "three", "sender": "Ann", "client_id": "c-3"}))  # her name now
        frames_until(anna, lambda f: f["type"] == "ack")
        seen = frames_until(watcher, lambda f: f.get("text") == "three")
    presence = [
        (f["event"], f.get("old"), f["name"])
        for f in seen
        if f["type"] == "presence" and f["name"] != "Watcher"
    ]
    assert presence == [("join", None, "Anna"), ("rename", "Anna", "Ann")]
    assert all("members" not in f for f in seen if f["type"] == "presence")
    texts = [m["text"] for m in httpx.get(server.url + "api/rooms/general/messages").json()["messages"]]
    assert texts == ["one", "three"]


def test_typing_under_a_new_name_too_soon_is_refused_and_shows_nobody_typing(server):
    with joined(server, "Watcher") as watcher, joined(server, "Anna") as anna:
        anna.send(json.dumps({"type": "typing", "sender": "Ann"}))
        anna.send(json.dumps({"type": "typing", "sender": "Mallory"}))
        refusal = frames_until(anna, lambda f: f["type"] == "error")[-1]
        assert refusal["code"] == ErrorCode.NAME_CHANGE_TOO_SOON and refusal["retry_after"] > 0
        anna.send(json.dumps({"text": "sync", "sender": "Ann"}))
        seen = frames_until(watcher, lambda f: f.get("text") == "sync")
    assert [f["sender"] for f in seen if f["type"] == "typing"] == ["Ann"]


def test_only_the_welcome_carries_the_whole_member_list(server):
    with joined(server, "Anna") as anna, connect(f"{server.ws_base}/ws/general?v=2&name=Bob") as bob:
        welcome = frames_until(bob, lambda f: f["type"] == "welcome")[-1]
        assert welcome["members"] == ["Anna", "Bob"]
        join = frames_until(anna, lambda f: f["type"] == "presence" and f["name"] == "Bob")[-1]
        assert join == {"type": "presence", "room": "general", "event": "join", "name": "Bob"}


def test_reconnecting_under_new_names_costs_others_a_bounded_number_of_frames(server):
    rounds = 3 * PRESENCE_BURST
    with joined(server, "Watcher") as watcher:
        frames_until(watcher, lambda f: f["type"] == "presence")  # its own join
        started = time.monotonic()
        for round_ in range(rounds):
            with connect(f"{server.ws_base}/ws/general?v=2&name=churn{round_}") as churner:
                frames_until(churner, lambda f: f["type"] == "welcome")
        with joined(server, "Last"):
            seen = frames_until(watcher, lambda f: f["type"] == "members" and "Last" in f["members"])
            elapsed = time.monotonic() - started
    # 2 changes a round: the budget (a burst, refilled meanwhile) sends some one by one, the rest
    # go as whole lists, and the last list is the truth.
    sent = [f for f in seen if f["type"] in ("presence", "members")]
    assert len(sent) <= PRESENCE_BURST + PRESENCE_PER_SECOND * (elapsed + 1) < 2 * rounds
    assert seen[-1]["members"] == ["Last", "Watcher"]
