"""A big room's member list in Chromium against `lanchat serve`: a few dozen rows in the page
however many are here, each row saying where it stands among all, and every member reached by
scrolling the list or with the keyboard."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from websockets.asyncio.client import ClientConnection, connect

from server.protocol.limits import MAX_SENDER_CHARS
from tests.support.browser import join_room

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

ROOM = "crowd"
OTHERS = 300  # well under what one loopback address may hold (512 room sockets)
ROWS = '[data-testid="members"] li'


@pytest.fixture
def crowd(lanchat) -> Iterator[list[str]]:
    """OTHERS members in ROOM, each with a name, kept open on an event loop of their own (the
    page is driven from this thread); their names."""
    # As long as a name may be (MAX_SENDER_CHARS): cut short in the panel, so each takes a Tab.
    names = [f"Guest {number:03d} with quite a long name" for number in range(OTHERS)]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    members: list[ClientConnection] = []

    async def join() -> None:
        for name in names:
            url = f"{lanchat.ws_base}/ws/{ROOM}?v=2&name={quote(name)}"
            members.append(await connect(url, max_queue=None))  # reads everything it is sent

    async def leave() -> None:
        await asyncio.gather(*(member.close() for member in members))

    asyncio.run_coroutine_threadsafe(join(), loop).result(timeout=120)
    try:
        yield names
    finally:
        asyncio.run_coroutine_threadsafe(leave(), loop).result(timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)


def test_a_room_of_301_keeps_a_few_dozen_member_rows_in_the_page_and_scrolls_to_everyone(
    lanchat, crowd, new_page
):
    page = new_page(width=1280, height=800)
    join_room(page, lanchat.url, "Anna", ROOM)
    panel = page.locator("#room-members")
    expect(panel.get_by_role("heading")).to_have_text("Members (301)")
    rows = page.locator(ROWS)
    expect(rows.first.get_by_test_id("member-name")).to_have_text("Anna")
    expect(rows.first.locator(".me")).to_have_text("(you)")
    expect(rows.first).to_have_attribute("aria-posinset", "1")
    expect(rows.first).to_have_attribute("aria-setsize", "301")
    assert 10 < rows.count() < 100

    scroller = panel.locator(".member-scroller")
    scroller.evaluate("element => { element.scrollTop = element.scrollHeight }")
    last = rows.filter(has_text=crowd[-1])
    expect(last).to_be_in_viewport()
    expect(last).to_have_attribute("aria-posinset", "301")
    expect(rows.filter(has_text="Anna")).to_have_count(0)  # far above: out of the page
    assert rows.count() < 100

    scroller.evaluate("element => { element.scrollTop = 0 }")
    expect(rows.filter(has=page.locator(".me"))).to_be_in_viewport()
    assert page.page_errors == []


def test_tab_walks_the_long_names_of_a_big_room_past_the_rows_first_drawn(lanchat, crowd, new_page):
    assert all(len(name) == MAX_SENDER_CHARS for name in crowd)
    page = new_page(width=1280, height=800)
    join_room(page, lanchat.url, "Anna", ROOM)
    first = page.get_by_test_id("member-name").filter(has_text=crowd[0])
    expect(first).to_have_attribute("tabindex", "0")
    first.focus()
    steps = 120  # well past the few dozen rows drawn at first
    for _ in range(steps):
        page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text(crowd[steps])
    expect(focused).to_be_in_viewport()
    for _ in range(steps):
        page.keyboard.press("Shift+Tab")
    expect(page.locator(":focus")).to_have_text(crowd[0])
