"""GET /api/search and the history's ?around= on a real `lanchat serve` (issue 15 items 6 and 10).

One server for the module on each engine (SQLite, PostgreSQL): each test writes to rooms of its
own, so they stay independent."""

from __future__ import annotations

import asyncio
import json
import urllib.parse

import httpx
import pytest
from websockets.sync.client import connect

from server.protocol.codes import ErrorCode
from server.protocol.limits import (
    MAX_SEARCH_OFFSET,
    MAX_SEARCH_QUERY_CHARS,
    MAX_SEARCH_ROOMS,
    MAX_SEARCH_TOKENS,
    ROOM_TOKEN_HEADER,
    SEARCH_PAGE,
    SEARCH_PAGE_MAX,
)
from tests.support.frames import frames_until, new_secret
from tests.support.room_client import TIMEOUT, RoomClient
from tests.support.rooms import ALICE, DIRECT_ROOM, PASSWORD, private_room_args
from tests.support.server_process import ServeProcess


@pytest.fixture(scope="module")
def server(database_args, module_serve_process, tmp_path_factory) -> ServeProcess:
    """On each engine in turn: SQLite's FTS5 index and PostgreSQL's tsvector."""
    private = private_room_args(tmp_path_factory.mktemp("search"), "vault")
    return module_serve_process(extra_args=(*private, *database_args))


def post(server: ServeProcess, room: str, *texts: str, first: dict | None = None) -> str | None:
    """Send messages to a room (a v2 member); the room's token when its door gave one."""
    url = f"{server.ws_base}/ws/{urllib.parse.quote(room, safe='')}?v=2&name=Ann"
    with connect(url) as ws:
        token = None
        if first is not None:
            ws.send(json.dumps(first))
            token = frames_until(ws, lambda f: f["type"] == "entered")[-1]["token"]
        frames_until(ws, lambda f: f["type"] == "welcome")
        for index, text in enumerate(texts):
            ws.send(json.dumps({"text": text, "sender": "Ann", "client_id": f"c{index}"}))
            frames_until(ws, lambda f: f["type"] == "ack")
        return token


def search(server: ServeProcess, token: str | None = None, **params) -> httpx.Response:
    headers = {ROOM_TOKEN_HEADER: token} if token else {}
    return httpx.get(f"{server.url}api/search", params=params, headers=headers)


def texts(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [result["text"] for result in answer.json()["results"]]


def test_words_match_in_russian_and_english_regardless_of_case_and_form(server):
    post(server, "words", "Привет, Мир! Где КНИГИ?", "Nothing here", "The Meetings start at ten")
    assert texts(search(server, q="книга", room="words")) == ["Привет, Мир! Где КНИГИ?"]
    assert texts(search(server, q="ПРИВЕТ мира", room="words")) == ["Привет, Мир! Где КНИГИ?"]
    assert texts(search(server, q="meeting", room="words")) == ["The Meetings start at ten"]
    result = search(server, q="meeting START", room="words").json()["results"][0]
    assert result["room"] == "words" and result["sender"] == "Ann" and result["timestamp"] > 0
    assert [result["text"][a:b] for a, b in result["marks"]] == ["Meetings", "start"]


def test_results_are_paged_newest_first(server):
    post(server, "paged", *[f"status report {index}" for index in range(SEARCH_PAGE + 5)])
    first = search(server, q="report", room="paged").json()
    assert len(first["results"]) == SEARCH_PAGE and first["next_offset"] == SEARCH_PAGE
    assert first["results"][0]["text"] == f"status report {SEARCH_PAGE + 4}"
    second = search(server, q="report", room="paged", offset=first["next_offset"]).json()
    assert [r["text"] for r in second["results"]] == [
        f"status report {index}" for index in reversed(range(5))
    ]
    assert second["next_offset"] is None
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == SEARCH_PAGE + 5


def test_a_private_rooms_messages_are_found_only_with_its_token(server):
    token = post(server, "vault", "пароль от сейфа", first={"type": "password", "password": PASSWORD})
    assert texts(search(server, q="сейф")) == []  # every room the caller may read: not this one
    assert texts(search(server, token="forged", q="сейф")) == []
    assert texts(search(server, token=token, q="сейф")) == ["пароль от сейфа"]
    refused = search(server, q="сейф", room="vault")
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == ErrorCode.PASSWORD_REQUIRED
    assert texts(search(server, token=f"other, {token}", q="сейф", room="vault")) == ["пароль от сейфа"]


def test_a_direct_rooms_messages_are_found_only_with_its_token(server):
    token = post(server, DIRECT_ROOM, "just between us", first={"type": "hello", "secret": ALICE})
    assert texts(search(server, q="between")) == []
    assert texts(search(server, token=token, q="between")) == ["just between us"]
    refused = search(server, q="between", room=DIRECT_ROOM)
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == ErrorCode.DIRECT_FORBIDDEN


def test_the_search_limits_hold_at_their_edges(server):
    post(server, "limits", "edge case")
    ok = {"q": "edge", "room": "limits"}
    assert search(server, **ok, limit=SEARCH_PAGE_MAX).status_code == 200
    assert search(server, **ok, limit=SEARCH_PAGE_MAX + 1).status_code == 422
    assert search(server, **ok, limit=0).status_code == 422
    assert search(server, **ok, offset=MAX_SEARCH_OFFSET).status_code == 200
    assert search(server, **ok, offset=MAX_SEARCH_OFFSET + 1).status_code == 422
    assert search(server, q="e" * MAX_SEARCH_QUERY_CHARS, room="limits").status_code == 200
    for params in (
        {"q": "e" * (MAX_SEARCH_QUERY_CHARS + 1)},
        {"q": "?!"},
        {"q": "edge", "room": [f"r{index}" for index in range(MAX_SEARCH_ROOMS + 1)]},
    ):
        refused = search(server, **params)
        assert refused.status_code == 400 and refused.json()["detail"]["code"] == ErrorCode.SEARCH_INVALID
    assert (
        search(server, q="edge", room=[f"r{index}" for index in range(MAX_SEARCH_ROOMS)]).status_code == 200
    )
    tokens = ",".join(f"t{index}" for index in range(MAX_SEARCH_TOKENS))
    assert search(server, token=tokens, q="edge").status_code == 200
    assert search(server, token=tokens + ",one-more", q="edge").status_code == 400
    assert search(server).status_code == 422  # no q at all


def test_a_web_site_elsewhere_may_not_read_search_results(server):
    answer = httpx.get(
        f"{server.url}api/search", params={"q": "edge"}, headers={"Origin": "https://chat-snoop.example"}
    )
    assert "access-control-allow-origin" not in answer.headers
    window = httpx.get(
        f"{server.url}api/search", params={"q": "edge"}, headers={"Origin": "http://192.168.1.20:8765"}
    )
    assert window.headers["access-control-allow-origin"] == "http://192.168.1.20:8765"


def test_history_around_an_id_is_a_page_centred_on_it(server):
    post(server, "around", *[f"m{index}" for index in range(1, 31)])
    history = f"{server.url}api/rooms/around/messages"
    page = httpx.get(history, params={"around": 15, "limit": 10}).json()
    assert [m["text"] for m in page["messages"]] == [f"m{index}" for index in range(10, 20)]
    assert page["has_more"] and page["has_newer"]
    start = httpx.get(history, params={"around": 2, "limit": 10}).json()
    assert [m["id"] for m in start["messages"]] == list(range(1, 11)) and not start["has_more"]
    end = httpx.get(history, params={"around": 30, "limit": 10}).json()
    assert [m["id"] for m in end["messages"]][-1] == 30 and not end["has_newer"]
    assert "has_newer" not in httpx.get(history).json()  # a plain page is as before
    assert httpx.get(f"{server.url}api/rooms/vault/messages", params={"around": 1}).status_code == 403


def test_an_edited_message_is_found_by_its_new_words_and_a_deleted_one_not_at_all(server):
    async def scenario() -> None:
        alice = await RoomClient.join(server.ws_base, "changes", "Alice", secret=new_secret())
        edited = await alice.post("Встреча на вокзале в пять")
        deleted = await alice.post("Секретный пароль от сейфа")
        assert texts(search(server, q="вокзал", room="changes")) == ["Встреча на вокзале в пять"]
        answer = await alice.change(
            {"type": "edit", "id": edited["id"], "text": "Встреча в кафе возле парка"}
        )
        assert answer["type"] == "update", answer
        answer = await alice.change({"type": "delete", "id": deleted["id"]})
        assert answer["type"] == "update", answer
        await alice.close()

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))
    assert texts(search(server, q="вокзале", room="changes")) == []
    found = search(server, q="кафе парки", room="changes").json()["results"]
    assert [(r["text"], r["id"]) for r in found] == [("Встреча в кафе возле парка", found[0]["id"])]
    assert texts(search(server, q="пароль", room="changes")) == []
    assert texts(search(server, q="сейф")) == []
