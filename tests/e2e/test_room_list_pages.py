"""A host with more rooms than one page: the join screen lists the first page and a button the rest."""

from __future__ import annotations

import re

import pytest

from server.protocol.limits import ROOM_LIST_PAGE
from server.storage.sqlite_history import SqliteHistoryStore
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

ROOMS = ROOM_LIST_PAGE + 30


@pytest.fixture
def crowded(serve_process, tmp_path, lanchat):
    """A server whose history holds more rooms than one page of the list. (`lanchat` checks that
    the UI is built; its own empty server is not needed.)"""
    lanchat.stop()
    store = SqliteHistoryStore(tmp_path / "crowded")
    for index in range(ROOMS):
        store.append(f"room {index:03}", "Ann", "hello")
    store.close()
    return serve_process(data_dir=tmp_path / "crowded")


@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
def test_the_join_screen_lists_one_page_of_rooms_and_the_rest_on_request(crowded, new_page, locale):
    page = new_page(locale=locale)
    page.goto(crowded.url)
    rooms = page.get_by_test_id("room-list").get_by_role("button")
    expect(rooms).to_have_count(ROOM_LIST_PAGE)
    more = page.get_by_test_id("more-rooms")
    label = {
        "en-US": f"More rooms ({ROOM_LIST_PAGE} of {ROOMS} listed)",
        "ru-RU": f"показано {ROOM_LIST_PAGE} из {ROOMS}",
    }
    expect(more).to_contain_text(label[locale])
    screenshot(page, f"room-list-more-{locale}")
    more.click()
    expect(rooms).to_have_count(ROOMS)
    expect(more).to_have_count(0)
    expect(page.get_by_test_id("room-list")).to_contain_text(re.compile(f"room {ROOMS - 1:03}"))
    assert page.page_errors == []
