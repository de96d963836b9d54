"""ReadReceipts on its own: how much one room keeps, and how often its readers are told (the
socket's side: tests/protocol/test_read_receipts.py)."""

import asyncio
import json
from pathlib import Path

import pytest

from server.policy import RECEIPTS_SUMMARY_SECONDS, RECEIPTS_TO_EVERYONE_MAX_MEMBERS
from server.protocol.wire import text_of
from server.rooms.client_frames import Seen
from server.rooms.hub import ConnectionManager
from server.rooms.member import Member
from server.rooms.receipts import AUTHOR_LOOKBACK, MAX_RECEIPTS_PER_ROOM, ReadReceipts
from server.storage.receipts import SqliteReceipts


class FakeSocket:
    """Records the frames a member is sent."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send_frames(self, frames: list[bytes]) -> None:
        self.sent.extend(json.loads(text_of(frame)) for frame in frames)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        pass

    def receipts(self) -> list[dict]:
        return [frame for frame in self.sent if frame["type"] == "receipts"]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def _reader(receipts: ReadReceipts, number: int, socket: FakeSocket | None = None) -> Member:
    if socket is None:
        member = Member(websocket=None, room="general", name=f"reader {number}", rich=True)  # type: ignore[arg-type]
    else:
        member = receipts.manager.connect(socket, "general", name=f"reader {number}", rich=True)
    member.identity = f"{number:016x}"
    receipts.hello(member, member.identity, receipts=True)
    return member


@pytest.mark.anyio
async def test_a_room_keeps_its_furthest_receipts_up_to_the_bound_and_drops_the_one_that_saw_least(tmp_path):
    assert MAX_RECEIPTS_PER_ROOM >= 1024
    limit = 3
    receipts = ReadReceipts(
        SqliteReceipts(tmp_path / "history.sqlite3"), ConnectionManager(), max_per_room=limit
    )
    for number in range(limit):
        receipts.seen(_reader(receipts, number), Seen(10 + number), last_id=100)
    assert len(receipts.in_room("general")) == limit  # at the bound: all kept
    receipts.seen(_reader(receipts, limit), Seen(50), last_id=100)
    kept = receipts.in_room("general")
    assert [entry["id"] for entry in kept] == [50, 12, 11]  # the one that had seen least (10) went
    receipts.close()


@pytest.mark.anyio
async def test_receipts_that_move_within_an_interval_reach_each_reader_as_one_frame_of_what_moved(tmp_path):
    # An interval no test outlasts: after the first frame, the next goes only when asked for.
    receipts = ReadReceipts(
        SqliteReceipts(tmp_path / "history.sqlite3"), ConnectionManager(), summary_seconds=3600
    )
    sockets = [FakeSocket() for _ in range(20)]
    readers = [_reader(receipts, number, socket) for number, socket in enumerate(sockets)]
    receipts.seen(readers[0], Seen(1), last_id=100)  # the room's first: told at once
    await settle()
    assert sockets[0].receipts() == []  # its own receipt alone: nothing to learn
    first = {
        "type": "receipts",
        "room": "general",
        "seen": [{"identity": f"{0:016x}", "name": "reader 0", "id": 1}],
    }
    assert all(socket.receipts() == [first] for socket in sockets[1:])
    for step in (10, 20, 30):  # everyone reads, three times, within the interval
        for number, reader in enumerate(readers):
            receipts.seen(reader, Seen(step + number), last_id=100)
    await settle()
    assert all(len(socket.receipts()) == (0 if socket is sockets[0] else 1) for socket in sockets)
    receipts.send_moved("general")  # what the interval's timer does
    await settle()
    expected = sorted(((f"{n:016x}", f"reader {n}", 30 + n) for n in range(20)), key=lambda e: -e[2])
    for socket in sockets:
        latest = socket.receipts()[-1]
        assert [(e["identity"], e["name"], e["id"]) for e in latest["seen"]] == expected
        assert len(socket.receipts()) == (1 if socket is sockets[0] else 2)
    receipts.close()


@pytest.mark.anyio
async def test_a_receipt_that_waited_says_the_name_its_reader_took_meanwhile(tmp_path):
    receipts = ReadReceipts(
        SqliteReceipts(tmp_path / "history.sqlite3"), ConnectionManager(), summary_seconds=3600
    )
    watcher, reader = FakeSocket(), FakeSocket()
    _reader(receipts, 0, watcher)
    anna = _reader(receipts, 1, reader)
    receipts.seen(anna, Seen(1), last_id=100)  # the room's first: told at once
    await settle()
    receipts.seen(anna, Seen(2), last_id=100)  # waits for the interval
    receipts.manager.name_member(anna, "Anna K.")
    receipts.send_moved("general")
    await settle()
    assert [frame["seen"][0]["name"] for frame in watcher.receipts()] == ["reader 1", "Anna K."]
    receipts.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("elsewhere", "to_everyone"),
    [({"reader 2": None}, True), ({"someone far": None}, False)],
    ids=["a name also held here counts once", "a name only elsewhere tips the room over"],
)
async def test_on_a_cluster_node_a_rooms_size_for_receipts_counts_the_names_only_other_nodes_have(
    tmp_path, elsewhere, to_everyone
):
    manager = ConnectionManager()
    manager.elsewhere = lambda room: elsewhere  # what server/cluster/presence.py gives the hub
    author = f"{0:016x}"
    receipts = ReadReceipts(
        SqliteReceipts(tmp_path / "history.sqlite3"),
        manager,
        authors=lambda room, after, up_to: [(5, author)],
        everyone_up_to=3,  # the three connections here: at the size for everyone
    )
    sockets = [FakeSocket() for _ in range(3)]
    readers = [_reader(receipts, number, socket) for number, socket in enumerate(sockets)]
    receipts.seen(readers[1], Seen(5), last_id=5)
    await settle()
    assert len(sockets[0].receipts()) == 1  # the author is told either way
    assert len(sockets[2].receipts()) == (1 if to_everyone else 0)
    receipts.close()


@pytest.mark.anyio
async def test_catching_up_sends_the_receipts_kept_meanwhile_further_than_the_readers_were_told(tmp_path):
    # The store, shared with another node of a cluster that keeps receipts this one never hears of.
    store = SqliteReceipts(tmp_path / "history.sqlite3")
    store.keep("general", "e" * 16, "Early", 3, MAX_RECEIPTS_PER_ROOM)  # before anyone here
    receipts = ReadReceipts(store, ConnectionManager(), summary_seconds=3600)
    socket = FakeSocket()
    _reader(receipts, 0, socket)  # told of Early at 3 in its hello
    store.keep("general", "e" * 16, "Early", 3, MAX_RECEIPTS_PER_ROOM)  # not further: nothing
    store.keep("general", "f" * 16, "Far", 7, MAX_RECEIPTS_PER_ROOM)
    receipts.catch_up()
    await settle()
    assert socket.receipts() == [
        {"type": "receipts", "room": "general", "seen": [{"identity": "f" * 16, "name": "Far", "id": 7}]}
    ]
    receipts.catch_up()  # told already: nothing more
    receipts.send_moved("general")
    await settle()
    assert len(socket.receipts()) == 1
    receipts.close()


def test_the_protocol_document_states_the_receipt_policys_numbers_as_the_code_has_them():
    document = (Path(__file__).resolve().parents[2] / "server" / "protocol" / "PROTOCOL.md").read_text()
    assert (
        f"at most {RECEIPTS_TO_EVERYONE_MAX_MEMBERS:,} connections (`RECEIPTS_TO_EVERYONE_MAX_MEMBERS`)"
        in document
    )
    assert f"the last {AUTHOR_LOOKBACK:,} positions: `AUTHOR_LOOKBACK`" in document
    assert (
        RECEIPTS_SUMMARY_SECONDS == 1.0
        and "at most one every second (`RECEIPTS_SUMMARY_SECONDS`)" in document
    )
