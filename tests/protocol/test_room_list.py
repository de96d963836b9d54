"""GET /api/rooms answers in pages, so a host with a thousand rooms is not one huge answer."""

import pytest
from fastapi.testclient import TestClient

from server.config import ServerConfig
from server.protocol.limits import ROOM_LIST_PAGE, ROOM_LIST_PAGE_MAX
from server.storage.sqlite_history import SqliteHistoryStore
from server.web.app import create_app
from tests.protocol.conftest import TEST_HOSTS

ROOMS = ROOM_LIST_PAGE_MAX + ROOM_LIST_PAGE // 2  # more than the largest page


@pytest.fixture
def crowded(tmp_path):
    store = SqliteHistoryStore(tmp_path / "data")
    for index in range(ROOMS):
        store.append(f"room {index:04}", "Ann", "hi")
    store.close()
    app = create_app(
        ServerConfig(data_dir=tmp_path / "data", ui_dir=tmp_path / "no-ui", allowed_hosts=TEST_HOSTS)
    )
    with TestClient(app) as client:
        yield client


def test_the_first_page_has_the_default_number_of_rooms_and_says_where_the_next_starts(crowded):
    page = crowded.get("/api/rooms").json()
    assert len(page["rooms"]) == ROOM_LIST_PAGE
    assert page["total"] == ROOMS and page["next_offset"] == ROOM_LIST_PAGE
    assert page["rooms"][0] == {"name": "room 0000", "members": 0, "messages": 1}


def test_paging_with_offset_and_limit_reaches_every_room_once(crowded):
    names, offset = [], 0
    while offset is not None:
        page = crowded.get("/api/rooms", params={"offset": offset, "limit": 150}).json()
        names += [room["name"] for room in page["rooms"]]
        offset = page["next_offset"]
    assert names == [f"room {index:04}" for index in range(ROOMS)]


def test_a_limit_past_the_largest_page_is_a_422(crowded):
    assert (
        len(crowded.get("/api/rooms", params={"limit": ROOM_LIST_PAGE_MAX}).json()["rooms"])
        == ROOM_LIST_PAGE_MAX
    )
    assert crowded.get("/api/rooms", params={"limit": ROOM_LIST_PAGE_MAX + 1}).status_code == 422
    assert crowded.get("/api/rooms", params={"limit": 0}).status_code == 422
    assert crowded.get("/api/rooms", params={"offset": -1}).status_code == 422


def test_an_offset_past_the_end_is_an_empty_last_page(crowded):
    page = crowded.get("/api/rooms", params={"offset": ROOMS}).json()
    assert page == {"rooms": [], "total": ROOMS, "next_offset": None}


def test_the_busiest_rooms_come_first(crowded):
    with crowded.websocket_connect("/ws/room 0549"):
        assert crowded.get("/api/rooms", params={"limit": 1}).json()["rooms"][0]["name"] == "room 0549"
