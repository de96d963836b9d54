"""Several `lanchat serve` nodes on one PostgreSQL deliver every room's messages and changes to
their own members, in the one order of the room's positions, whichever node stored them."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal

import pytest

from tests.support.room_client import RoomClient
from tests.support.rooms import ALICE, BOB, DIRECT_ROOM

pytestmark = pytest.mark.process

TIMEOUT = 60.0
EACH = 15  # messages each writer posts


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


async def read_until(client: RoomClient, position: int, seen: list[dict]) -> None:
    """Read until everything up to `position` arrived, keeping every message and update frame."""
    while client.position < position:
        frame = await client.recv()
        if frame["type"] in ("message", "update"):
            seen.append(frame)


def test_clients_on_three_nodes_see_the_same_dense_order_under_concurrent_posts(start_nodes):
    nodes = start_nodes(3)

    async def scenario() -> None:
        rooms = ["north", "south"]
        clients = [
            await RoomClient.join(node.ws_base, room, f"{room}-{n}")
            for room in rooms
            for n, node in enumerate(nodes)
        ]
        seen: dict[RoomClient, list[dict]] = {client: [] for client in clients}

        async def post_all(client: RoomClient) -> None:
            for n in range(EACH):
                await client.send({"text": f"{client.name} {n}", "sender": client.name,
                                   "client_id": secrets.token_hex(8)})  # fmt: skip

        await asyncio.gather(*(post_all(client) for client in clients))
        total = EACH * len(nodes)
        await asyncio.gather(*(read_until(client, total, seen[client]) for client in clients))
        for room in rooms:
            members = [client for client in clients if client.room == room]
            orders = [[frame["id"] for frame in seen[client]] for client in members]
            assert orders[0] == list(range(1, total + 1)), orders[0]  # dense, in order, none twice
            assert all(order == orders[0] for order in orders)
            texts = [[frame["text"] for frame in seen[client]] for client in members]
            assert all(order == texts[0] for order in texts)
            for client in members:  # each writer's messages in the order it sent them
                own = [frame["text"] for frame in seen[members[0]] if frame["sender"] == client.name]
                assert own == [f"{client.name} {n}" for n in range(EACH)]
        for client in clients:
            await client.close()

    run(scenario())


def test_edits_and_reactions_reach_the_members_of_every_node(start_nodes):
    first, second = start_nodes(2)

    async def scenario() -> None:
        ann = await RoomClient.join(first.ws_base, "shared", "Ann", secret=secrets.token_hex(16))
        bob = await RoomClient.join(second.ws_base, "shared", "Bob", secret=secrets.token_hex(16))
        sent = await ann.post("hello from the first node")
        await bob.catch_up(sent["id"])
        assert bob.folded[sent["id"]]["text"] == "hello from the first node"

        edit = await ann.change({"type": "edit", "id": sent["id"], "text": "hello, edited"})
        on_bob = await bob.until(lambda frame: frame["type"] == "update")
        assert (on_bob["seq"], on_bob["change"]) == (edit["seq"], "edit")
        assert on_bob["message"]["text"] == "hello, edited"

        reaction = await bob.change({"type": "react", "id": sent["id"], "emoji": "👍", "on": True})
        on_ann = await ann.until(lambda frame: frame["type"] == "update")
        assert (on_ann["seq"], on_ann["change"]) == (reaction["seq"], "reaction")
        assert on_ann["message"]["reactions"] == [
            {"emoji": "👍", "by": [{"identity": bob.identity, "name": "Bob"}]}
        ]

        gone = await ann.change({"type": "delete", "id": sent["id"]})
        on_bob = await bob.until(lambda frame: frame["type"] == "update")
        assert (on_bob["seq"], on_bob["change"], on_bob["message"].get("deleted")) == (
            gone["seq"],
            "delete",
            True,
        )
        await ann.close()
        await bob.close()

    run(scenario())


def test_a_client_resumes_with_after_on_another_node_with_nothing_lost_or_doubled(start_nodes):
    first, second = start_nodes(2)

    async def scenario() -> None:
        ann = await RoomClient.join(first.ws_base, "resume", "Ann")
        writer = await RoomClient.join(first.ws_base, "resume", "Writer")
        for n in range(5):
            await writer.post(f"early {n}")
        await ann.catch_up(5)
        held = dict(ann.folded)
        await ann.close()
        for n in range(5):
            await writer.post(f"late {n}")
        ann = await RoomClient.join(second.ws_base, "resume", "Ann", after=5, held=held)
        assert [frame["id"] for frame in ann.replayed] == list(range(6, 11))
        more = await writer.post("live")
        await ann.catch_up(more["id"])
        assert sorted(ann.folded) == list(range(1, 12))
        assert ann.folded[11]["text"] == "live"
        await ann.close()
        await writer.close()

    run(scenario())


def test_the_other_person_on_another_node_is_told_of_a_direct_message(start_nodes):
    first, second = start_nodes(2)

    async def scenario() -> None:
        bob = await RoomClient.join(second.ws_base, "lobby", "Bob", secret=BOB)
        eve = await RoomClient.join(second.ws_base, "lobby", "Eve", secret=secrets.token_hex(16))
        alice = await RoomClient.join(first.ws_base, DIRECT_ROOM, "Alice", secret=ALICE)
        await alice.post("psst")
        told = await bob.until(lambda frame: frame["type"] == "direct")
        assert told == {"type": "direct", "room": DIRECT_ROOM, "sender": "Alice"}
        await eve.send({"text": "anyone?", "sender": "Eve"})
        # Eve's own message comes back to her after anything queued for her before it: no direct.
        frame = await eve.until(lambda frame: frame["type"] in ("direct", "message"))
        assert frame["type"] == "message"
        for client in (alice, bob, eve):
            await client.close()

    run(scenario())


def test_a_client_of_a_killed_node_resumes_on_another_mid_traffic_with_nothing_lost_or_doubled(start_nodes):
    writer_node, doomed, survivor = start_nodes(3)
    total = 40

    async def scenario() -> None:
        writer = await RoomClient.join(writer_node.ws_base, "busy", "Writer")
        reader = await RoomClient.join(doomed.ws_base, "busy", "Reader")
        ids: list[int] = []  # every message frame the reader got, in order, across both nodes

        async def write() -> None:
            for n in range(total):
                await writer.post(f"m {n}")
                await asyncio.sleep(0.12)  # within RATE_LIMIT_PER_SECOND

        async def read(client: RoomClient, until: int) -> None:
            while client.position < until:
                frame = await client.recv()
                if frame["type"] == "message":
                    ids.append(frame["id"])

        writing = asyncio.create_task(write())
        await read(reader, total // 4)
        assert doomed.process is not None
        doomed.process.send_signal(signal.SIGKILL)  # mid-traffic, no goodbye
        with contextlib.suppress(Exception):
            await reader.close()
        reader = await RoomClient.join(survivor.ws_base, "busy", "Reader", after=reader.position)
        ids.extend(frame["id"] for frame in reader.replayed if frame["type"] == "message")
        await read(reader, total)
        await writing
        assert ids == list(range(1, total + 1))  # in order, none lost, none twice
        await reader.close()
        await writer.close()

    run(scenario())
