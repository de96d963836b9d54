"""Read receipts (server/rooms/receipts.py) through a real server thread and real WebSocket
clients, on each engine: SQLite in the data folder, and a PostgreSQL database (`--database`)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import pytest
import websockets

from server.policy import RECEIPTS_TO_EVERYONE_MAX_MEMBERS, SEEN_RATE_BURST
from server.protocol.codes import ErrorCode
from server.rooms.direct import direct_room
from server.rooms.identity import identity_of
from server.rooms.private import PrivateRooms
from tests.support.server_thread import start_server_thread

TIMEOUT = 10
ANNA = "a" * 43
BOB = "b" * 43
CLARA = "c" * 43


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request) -> dict:
    """The server thread's options for each engine in turn (the database before the server, so it
    is dropped after the server stops)."""
    if request.param == "sqlite":
        return {}
    return {"database_url": request.getfixturevalue("postgres_url")}


@pytest.fixture
def server_thread(data_dir, engine):
    running = start_server_thread(data_dir, **engine)
    yield running
    running.stop()


class Client:
    """One room socket, and the frames it got that a test has not looked at yet."""

    def __init__(self, socket, identified=None):
        self.socket = socket
        self.identified = identified

    async def next(self, kind=None):
        while True:
            frame = json.loads(await asyncio.wait_for(self.socket.recv(), TIMEOUT))
            if kind is None or frame.get("type") == kind:
                return frame

    async def send(self, frame):
        await self.socket.send(json.dumps(frame))

    async def post(self, sender, text):
        await self.send({"text": text, "sender": sender, "client_id": f"c-{text}"})
        return await self.next("ack")

    async def next_except_presence(self):
        while True:
            frame = await self.next()
            if frame["type"] not in ("presence", "members", "identified"):
                return frame


async def _join(server, room, name, *, secret=None, receipts=None, v2=True, password=None):
    query = f"name={quote(name)}" + ("&v=2" if v2 else "")
    socket = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/{quote(room)}?{query}", open_timeout=TIMEOUT
    )
    client = Client(socket)
    if password is not None:
        await client.send({"type": "password", "password": password})
    if secret is not None:
        hello = {"type": "hello", "secret": secret}
        if receipts is not None:
            hello["receipts"] = receipts
        await client.send(hello)
    waiting = {"welcome"} if v2 else set()
    if secret is not None:
        waiting.add("identified")
    while waiting:
        frame = await client.next()
        if frame["type"] == "identified":
            client.identified = frame
        waiting.discard(frame["type"])
    return client


async def _nothing_before(client, sender_client, sender, text):
    """Nothing reaches `client` before the message `sender_client` posts now (its next frame is it)."""
    await sender_client.post(sender, text)
    frame = await client.next_except_presence()
    assert frame["type"] == "message" and frame["text"] == text, frame


def test_a_seen_frame_reaches_the_other_members_and_is_listed_in_the_next_hello_answer(server_thread):
    async def scenario():
        anna = await _join(server_thread, "general", "Anna", secret=ANNA)
        bob = await _join(server_thread, "general", "Bob", secret=BOB)
        assert anna.identified["seen"] == [] and bob.identified["seen"] == []
        first = await anna.post("Anna", "one")
        await bob.next("message")
        await bob.send({"type": "seen", "id": first["id"]})
        assert await anna.next("receipts") == {
            "type": "receipts",
            "room": "general",
            "seen": [{"identity": identity_of(BOB), "name": "Bob", "id": first["id"]}],
        }
        clara = await _join(server_thread, "general", "Clara", secret=CLARA)
        assert clara.identified["seen"] == [{"identity": identity_of(BOB), "name": "Bob", "id": first["id"]}]
        # Bob's own connection is not told of his own receipt.
        await _nothing_before(bob, anna, "Anna", "two")
        for client in (anna, bob, clara):
            await client.socket.close()

    asyncio.run(scenario())


def test_a_seen_frame_not_higher_than_the_last_one_is_ignored(server_thread):
    async def scenario():
        anna = await _join(server_thread, "general", "Anna", secret=ANNA)
        bob = await _join(server_thread, "general", "Bob", secret=BOB)
        one = await anna.post("Anna", "one")
        two = await anna.post("Anna", "two")
        await bob.send({"type": "seen", "id": two["id"]})
        assert (await anna.next("receipts"))["seen"] == [
            {"identity": identity_of(BOB), "name": "Bob", "id": two["id"]}
        ]
        await bob.send({"type": "seen", "id": one["id"]})
        await bob.send({"type": "seen", "id": two["id"]})
        await bob.send({"type": "seen", "id": 0})
        await _nothing_before(anna, bob, "Bob", "three")
        clara = await _join(server_thread, "general", "Clara", secret=CLARA)
        assert [entry["id"] for entry in clara.identified["seen"]] == [two["id"]]
        for client in (anna, bob, clara):
            await client.socket.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "seen", "id": 99}, ErrorCode.SEEN_INVALID),  # past the room's last position
        ({"type": "seen", "id": -1}, ErrorCode.SEEN_INVALID),
        ({"type": "seen", "id": "1"}, ErrorCode.SEEN_INVALID),
        ({"type": "seen", "id": True}, ErrorCode.SEEN_INVALID),
        ({"type": "seen"}, ErrorCode.SEEN_INVALID),
        ({"type": "hello", "secret": ANNA, "receipts": "no"}, ErrorCode.INVALID_FRAME),
    ],
)
def test_a_malformed_seen_or_receipts_setting_is_refused(server_thread, frame, code):
    async def scenario():
        anna = await _join(
            server_thread, "general", "Anna", secret=None if frame["type"] == "hello" else ANNA
        )
        await anna.post("Anna", "one")
        await anna.send(frame)
        error = await anna.next("error")
        assert error["code"] == code
        await anna.socket.close()

    asyncio.run(scenario())


def test_a_seen_frame_without_a_hello_is_identity_required(server_thread):
    async def scenario():
        guest = await _join(server_thread, "general", "Guest")
        posted = await guest.post("Guest", "one")
        await guest.send({"type": "seen", "id": posted["id"]})
        error = await guest.next("error")
        assert error["code"] == ErrorCode.IDENTITY_REQUIRED and error["id"] == posted["id"]
        await guest.socket.close()

    asyncio.run(scenario())


def test_an_opted_out_identity_is_told_no_receipts_and_its_own_reach_nobody(server_thread):
    async def scenario():
        anna = await _join(server_thread, "general", "Anna", secret=ANNA)
        bob = await _join(server_thread, "general", "Bob", secret=BOB)
        one = await anna.post("Anna", "one")
        await bob.send({"type": "seen", "id": one["id"]})  # while his receipts were on
        await anna.next("receipts")
        await bob.socket.close()
        bob = await _join(server_thread, "general", "Bob", secret=BOB, receipts=False)
        assert "seen" not in bob.identified
        two = await anna.post("Anna", "two")
        await bob.send({"type": "seen", "id": two["id"]})
        await _nothing_before(anna, bob, "Bob", "from Bob")  # Anna hears nothing of his reading
        await anna.send({"type": "seen", "id": two["id"] + 1})
        await _nothing_before(bob, anna, "Anna", "from Anna")  # and Bob of hers
        # What he had seen before he opted out is forgotten too.
        clara = await _join(server_thread, "general", "Clara", secret=CLARA)
        assert [entry["identity"] for entry in clara.identified["seen"]] == [identity_of(ANNA)]
        for client in (anna, bob, clara):
            await client.socket.close()

    asyncio.run(scenario())


def test_seed_clients_and_clients_without_a_hello_are_sent_no_receipts(server_thread):
    async def scenario():
        seed = await _join(server_thread, "general", "Seed", v2=False)
        guest = await _join(server_thread, "general", "Guest")
        anna = await _join(server_thread, "general", "Anna", secret=ANNA)
        bob = await _join(server_thread, "general", "Bob", secret=BOB)
        one = await anna.post("Anna", "one")
        for client in (seed, guest):
            assert (await client.next("message"))["id"] == one["id"]
        await bob.send({"type": "seen", "id": one["id"]})
        assert (await anna.next("receipts"))["seen"][0]["name"] == "Bob"
        two = await anna.post("Anna", "two")
        for client in (seed, guest):
            frame = await client.next_except_presence()
            assert frame["type"] == "message" and frame["id"] == two["id"], frame
            # A v2 message also names its sender's identity (issue 15); a seed client's never does.
            extra = {"identity"} if client is guest else set()
            assert set(frame) <= {"type", "id", "room", "sender", "text", "timestamp", "client_id"} | extra
        for client in (seed, guest, anna, bob):
            await client.socket.close()

    asyncio.run(scenario())


def test_a_private_rooms_receipts_reach_only_those_who_entered_its_password(data_dir, tmp_path):
    PrivateRooms(data_dir).set_password("team", "our password")
    server = start_server_thread(data_dir)

    async def scenario():
        anna = await _join(server, "team", "Anna", secret=ANNA, password="our password")
        bob = await _join(server, "team", "Bob", secret=BOB, password="our password")
        one = await anna.post("Anna", "one")
        await bob.send({"type": "seen", "id": one["id"]})
        assert (await anna.next("receipts"))["seen"][0]["identity"] == identity_of(BOB)
        # Clara without the password: the door refuses her before anything of the room is sent.
        socket = await websockets.connect(f"ws://127.0.0.1:{server.port}/ws/team?v=2&name=Clara")
        await socket.send(json.dumps({"type": "hello", "secret": CLARA}))
        frames = []
        with pytest.raises(websockets.ConnectionClosedError):
            while True:
                frames.append(json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT)))
        assert [frame["type"] for frame in frames] == ["error"]
        assert frames[0]["code"] == ErrorCode.PASSWORD_REQUIRED
        for client in (anna, bob):
            await client.socket.close()

    try:
        asyncio.run(scenario())
    finally:
        server.stop()


def test_receipts_work_in_a_direct_room_between_its_two_people(server_thread):
    async def scenario():
        room = direct_room(identity_of(ANNA), identity_of(BOB))
        anna = await _join(server_thread, room, "Anna", secret=ANNA)
        bob = await _join(server_thread, room, "Bob", secret=BOB)
        one = await anna.post("Anna", "hi")
        await bob.send({"type": "seen", "id": one["id"]})
        assert (await anna.next("receipts"))["seen"][0]["id"] == one["id"]
        await anna.socket.close()
        anna = await _join(server_thread, room, "Anna", secret=ANNA)
        assert anna.identified["seen"] == [{"identity": identity_of(BOB), "name": "Bob", "id": one["id"]}]
        for client in (anna, bob):
            await client.socket.close()

    asyncio.run(scenario())


def test_past_the_seen_burst_a_seen_frame_is_refused_but_messages_still_go(server_thread):
    async def scenario():
        anna = await _join(server_thread, "general", "Anna", secret=ANNA)
        bob = await _join(server_thread, "general", "Bob", secret=BOB)
        ids = [(await anna.post("Anna", f"m{n}"))["id"] for n in range(SEEN_RATE_BURST + 1)]
        for seen_id in ids:
            await bob.send({"type": "seen", "id": seen_id})
        # The receipts that moved while the room's last receipts frame was recent come together,
        # each reader once: Anna learns how far Bob got, never of the refused one.
        told = []
        while not told or told[-1] < ids[SEEN_RATE_BURST - 1]:
            frame = await anna.next("receipts")
            assert [entry["identity"] for entry in frame["seen"]] == [identity_of(BOB)]
            told.append(frame["seen"][0]["id"])
        assert told == sorted(set(told)) and set(told) <= set(ids[:SEEN_RATE_BURST])
        refused = await bob.next("error")
        assert refused["code"] == ErrorCode.RATE_LIMITED and refused["id"] == ids[-1]
        assert 0 < refused["retry_after"] <= 1
        # Reading was not paused: Bob's message goes at once, and nothing of the dropped receipt.
        await _nothing_before(anna, bob, "Bob", "still here")
        for client in (anna, bob):
            await client.socket.close()

    asyncio.run(scenario())


def test_receipts_outlive_a_server_restart(data_dir, engine):
    async def before():
        server = start_server_thread(data_dir, **engine)
        anna = await _join(server, "general", "Anna", secret=ANNA)
        bob = await _join(server, "general", "Bob", secret=BOB)
        one = await anna.post("Anna", "one")
        await bob.send({"type": "seen", "id": one["id"]})
        await anna.next("receipts")
        for client in (anna, bob):
            await client.socket.close()
        server.stop()
        return one["id"]

    async def after(seen_id):
        server = start_server_thread(data_dir, **engine)
        try:
            anna = await _join(server, "general", "Anna", secret=ANNA)
            assert anna.identified["seen"] == [{"identity": identity_of(BOB), "name": "Bob", "id": seen_id}]
            await anna.socket.close()
        finally:
            server.stop()

    asyncio.run(after(asyncio.run(before())))


def test_in_a_room_over_the_size_for_everyone_a_receipt_reaches_only_the_author_it_covers(server_thread):
    async def scenario():
        # Seed clients fill the room to the size where receipts still go to everyone.
        url = f"ws://127.0.0.1:{server_thread.port}/ws/big"
        fillers = [
            await websockets.connect(url, open_timeout=TIMEOUT)
            for _ in range(RECEIPTS_TO_EVERYONE_MAX_MEMBERS - 2)
        ]
        anna = await _join(server_thread, "big", "Anna", secret=ANNA)
        bob = await _join(server_thread, "big", "Bob", secret=BOB)
        clara = await _join(server_thread, "big", "Clara", secret=CLARA)  # one past the size
        one = await anna.post("Anna", "one")
        await bob.send({"type": "seen", "id": one["id"]})
        assert (await anna.next("receipts"))["seen"] == [
            {"identity": identity_of(BOB), "name": "Bob", "id": one["id"]}
        ]
        # Clara reads too, but wrote nothing Bob saw: she is told nothing of his reading.
        assert (await clara.next("message"))["id"] == one["id"]
        await _nothing_before(clara, anna, "Anna", "two")
        for client in (anna, bob, clara):
            await client.socket.close()
        for filler in fillers:
            await filler.close()

    asyncio.run(scenario())
