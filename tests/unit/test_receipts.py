"""ReadReceipts' store on its own: how much one room keeps (the socket's side: tests/protocol)."""

from server.rooms.client_frames import Seen
from server.rooms.hub import ConnectionManager
from server.rooms.member import Member
from server.rooms.receipts import MAX_RECEIPTS_PER_ROOM, ReadReceipts


def _reader(receipts: ReadReceipts, number: int) -> Member:
    member = Member(websocket=None, room="general", name=f"reader {number}", rich=True)  # type: ignore[arg-type]
    member.identity = f"{number:016x}"
    receipts.hello(member, member.identity, receipts=True)
    return member


def test_a_room_keeps_its_furthest_receipts_up_to_the_bound_and_drops_the_one_that_saw_least(tmp_path):
    assert MAX_RECEIPTS_PER_ROOM >= 1024
    limit = 3
    receipts = ReadReceipts(tmp_path / "history.sqlite3", ConnectionManager(), max_per_room=limit)
    for number in range(limit):
        receipts.seen(_reader(receipts, number), Seen(10 + number), last_id=100)
    assert len(receipts.in_room("general")) == limit  # at the bound: all kept
    receipts.seen(_reader(receipts, limit), Seen(50), last_id=100)
    kept = receipts.in_room("general")
    assert [entry["id"] for entry in kept] == [50, 12, 11]  # the one that had seen least (10) went
    receipts.close()
