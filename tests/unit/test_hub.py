"""ConnectionManager's fan-out and slow-reader policy, with sockets faked at the boundary."""

import asyncio
import json

import pytest

from server.policy import (
    OUTBOX_MAX_BYTES,
    OUTBOX_MAX_FRAMES,
    PRESENCE_BURST,
    PRESENCE_PER_SECOND,
    RENAME_MIN_INTERVAL_SECONDS,
)
from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.refusals import Refused
from server.protocol.wire import text_of
from server.rooms.hub import ConnectionManager


class FakeSocket:
    """Records what is sent; `stalled` makes sends block like a socket whose reader stopped."""

    def __init__(self, stalled: bool = False) -> None:
        self.sent: list[dict] = []
        self.closed_with: int | None = None
        self.unblock = asyncio.Event()
        if not stalled:
            self.unblock.set()

    async def send_frames(self, frames: list[bytes]) -> None:
        self.sent.extend(json.loads(text_of(frame)) for frame in frames)
        await self.unblock.wait()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed_with = code


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.mark.anyio
async def test_broadcast_reaches_every_member_in_the_same_order():
    manager = ConnectionManager()
    sockets = [FakeSocket() for _ in range(3)]
    for socket in sockets:
        manager.connect(socket, "room")
    for i in range(5):
        manager.broadcast({"text": str(i)}, "room")
    await settle()
    assert all([m["text"] for m in s.sent] == ["0", "1", "2", "3", "4"] for s in sockets)
    assert manager.active_connections == {"room": sockets}


@pytest.mark.anyio
async def test_a_stalled_member_is_dropped_one_frame_past_the_bound_and_others_keep_receiving():
    manager = ConnectionManager()
    stalled, healthy = FakeSocket(stalled=True), FakeSocket()
    manager.connect(stalled, "room")
    manager.connect(healthy, "room")
    # The stalled pump holds the first frame in its pending send; the outbox holds the rest.
    for i in range(OUTBOX_MAX_FRAMES + 1):
        manager.broadcast({"text": str(i)}, "room")
        await asyncio.sleep(0)
    assert manager.active_connections["room"] == [stalled, healthy]
    manager.broadcast({"text": "one too many"}, "room")
    assert manager.active_connections["room"] == [healthy]
    await settle()
    assert len(healthy.sent) == OUTBOX_MAX_FRAMES + 2
    # Once the stalled reader takes data again it is told why it was dropped.
    stalled.unblock.set()
    await settle()
    assert stalled.closed_with == CloseCode.TOO_SLOW


@pytest.mark.anyio
async def test_the_outbox_byte_bound_drops_a_member_too():
    manager = ConnectionManager()
    stalled = FakeSocket(stalled=True)
    manager.connect(stalled, "room")
    manager.broadcast({"text": "first"}, "room")
    await settle()  # the pump is now blocked sending "first"
    big = "x" * 1000
    frames_within = OUTBOX_MAX_BYTES // (len(big) + 20)
    for _ in range(frames_within):
        manager.broadcast({"text": big}, "room")
    assert manager.active_connections["room"] == [stalled]
    for _ in range(30):
        manager.broadcast({"text": big}, "room")
    assert manager.active_connections == {}


@pytest.mark.anyio
async def test_presence_counts_names_not_connections():
    manager = ConnectionManager()
    watcher, tab1, tab2 = FakeSocket(), FakeSocket(), FakeSocket()
    manager.connect(watcher, "room", name="Watcher", rich=True)
    manager.connect(tab1, "room", name="Аня", rich=True)
    manager.connect(tab2, "room", name="Аня", rich=True)
    manager.disconnect(tab1, "room")
    await settle()
    events = [(m["event"], m["name"]) for m in watcher.sent if m.get("type") == "presence"]
    assert events == [("join", "Watcher"), ("join", "Аня")]
    manager.disconnect(tab2, "room")
    await settle()
    assert watcher.sent[-1] == {"type": "presence", "room": "room", "event": "leave", "name": "Аня"}
    assert manager.members_of("room") == ["Watcher"]


@pytest.mark.anyio
async def test_a_member_whose_pump_has_not_had_a_turn_is_not_dropped_by_a_burst():
    manager = ConnectionManager()
    busy = FakeSocket()
    manager.connect(busy, "room")
    for i in range(OUTBOX_MAX_FRAMES * 2):
        manager.broadcast({"text": str(i)}, "room")
    assert manager.active_connections["room"] == [busy]
    await settle()
    assert len(busy.sent) == OUTBOX_MAX_FRAMES * 2


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.anyio
async def test_the_first_rename_is_free_and_the_next_waits_exactly_the_rename_interval():
    clock = FakeClock()
    manager = ConnectionManager(clock=clock)
    member = manager.connect(FakeSocket(), "room", name="Аня", rich=True)
    manager.name_member(member, "Anya")
    clock.now += RENAME_MIN_INTERVAL_SECONDS - 0.001
    with pytest.raises(Refused) as caught:
        manager.name_member(member, "Anna")
    assert caught.value.code == ErrorCode.NAME_CHANGE_TOO_SOON
    assert caught.value.extra["retry_after"] == 0.001
    assert member.name == "Anya" and manager.members_of("room") == ["Anya"]
    clock.now += 0.001
    manager.name_member(member, "Anna")
    assert manager.members_of("room") == ["Anna"]


@pytest.mark.anyio
async def test_a_rename_sends_one_rename_with_the_old_name_and_no_member_list():
    manager = ConnectionManager()
    watcher = FakeSocket()
    manager.connect(watcher, "room", name="Watcher", rich=True)
    member = manager.connect(FakeSocket(), "room", name="Аня", rich=True)
    manager.name_member(member, "Anya")
    await settle()
    presence = [frame for frame in watcher.sent if frame["type"] == "presence"]
    assert presence[-1] == {
        "type": "presence",
        "room": "room",
        "event": "rename",
        "name": "Anya",
        "old": "Аня",
    }
    assert [frame["event"] for frame in presence] == ["join", "join", "rename"]  # Watcher, Аня, the rename


@pytest.mark.anyio
async def test_names_that_differ_only_in_case_are_one_member():
    manager = ConnectionManager()
    manager.connect(FakeSocket(), "room", name="Аня")
    manager.connect(FakeSocket(), "room", name="аНЯ")
    assert manager.members_of("room") == ["Аня"]


@pytest.mark.anyio
async def test_presence_past_the_rooms_budget_is_folded_into_one_members_frame():
    manager = ConnectionManager()
    watcher = FakeSocket()
    manager.connect(watcher, "room", name="Watcher", rich=True)  # its join spends one
    for index in range(PRESENCE_BURST - 1):
        manager.connect(FakeSocket(), "room", name=f"n{index}", rich=True)
    await settle()
    presence = [frame for frame in watcher.sent if frame["type"] == "presence"]
    assert len(presence) == PRESENCE_BURST  # the budget's edge: every change so far went
    extra = [manager.connect(FakeSocket(), "room", name=f"late{index}", rich=True) for index in range(5)]
    manager.disconnect(extra[0].websocket, "room")
    await settle()
    assert len([frame for frame in watcher.sent if frame["type"] == "presence"]) == PRESENCE_BURST
    await asyncio.sleep(1.5 / PRESENCE_PER_SECOND)
    folded = [frame for frame in watcher.sent if frame["type"] == "members"]
    assert folded == [{"type": "members", "room": "room", "members": manager.members_of("room")}]
    assert "late0" not in folded[0]["members"] and "late4" in folded[0]["members"]
