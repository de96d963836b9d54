"""The lean queue and flow-control flag the room socket's uvicorn protocol keeps per connection."""

import asyncio

import pytest

from server.web.wire_protocol import Inbox, Writable


@pytest.mark.anyio
async def test_the_inbox_hands_its_one_reader_events_in_order_whether_they_came_before_or_while_it_waited():
    inbox = Inbox(asyncio.get_running_loop())
    inbox.put_nowait("connect")
    assert await inbox.get() == "connect"
    assert inbox.empty()
    reading = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait("first")
    inbox.put_nowait("second")
    assert await reading == "first"
    assert not inbox.empty() and await inbox.get() == "second"


@pytest.mark.anyio
async def test_a_paused_writer_waits_until_resumed_and_one_waiter_cancelled_leaves_the_others_waiting():
    writable = Writable(asyncio.get_running_loop())
    assert writable.is_set()
    await writable.wait()  # writable: returns at once
    writable.clear()
    writable.clear()  # paused twice is paused once
    pump, closer = asyncio.ensure_future(writable.wait()), asyncio.ensure_future(writable.wait())
    await asyncio.sleep(0)
    pump.cancel()
    await asyncio.sleep(0)
    assert pump.cancelled() and not closer.done()
    writable.set()
    await asyncio.wait_for(closer, 1)
    assert writable.is_set()
