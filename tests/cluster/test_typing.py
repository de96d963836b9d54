"""Typing notices across two real `lanchat serve` nodes on one real PostgreSQL: a typist on one node
reaches the room's members on the other (and nobody in another room, nor at a private room's
door), once each, and a node relays what other nodes tell it under its own room budget."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest
import websockets

from server.cluster.typing_notices import MAX_TYPING_WAITING, TYPING_CHANNEL, TypingNotices
from server.policy import TYPING_ROOM_BURST
from server.protocol.limits import MAX_SENDER_CHARS
from tests.support.room_client import RoomClient
from tests.support.rooms import PASSWORD, private_room_args

pytestmark = pytest.mark.process

TIMEOUT = 60.0


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


async def lists(client: RoomClient, name: str) -> None:
    """Until `client`'s node lists `name` in its room (the other node's presence reached it)."""
    if name not in (client.welcome or {}).get("members", []):
        await client.until(lambda f: f["type"] == "presence" and f["event"] == "join" and f["name"] == name)


async def frames_up_to_own_post(client: RoomClient, text: str) -> list[dict]:
    """Every frame `client` reads until its own message `text` comes back: whatever its node sent
    it before handling that post."""
    read: list[dict] = []
    await client.send({"text": text, "sender": client.name})
    while not read or read[-1].get("text") != text:
        read.append(await client.recv())
    return read


def test_a_typist_on_one_node_reaches_the_rooms_members_on_the_other_and_nobody_elsewhere(start_nodes):
    first, second = start_nodes(2)

    async def scenario() -> None:
        bob = await RoomClient.join(second.ws_base, "lobby", "Bob")
        cat = await RoomClient.join(second.ws_base, "other", "Cat")  # same node, another room
        ann = await RoomClient.join(first.ws_base, "lobby", "Ann")
        dan = await RoomClient.join(first.ws_base, "lobby", "Dan")  # Ann's node, Ann's room
        await lists(ann, "Bob")
        await ann.send({"type": "typing"})
        typing = await bob.until(lambda f: f["type"] == "typing")
        assert typing == {"type": "typing", "room": "lobby", "sender": "Ann"}
        # Bob's node relayed it before it read Cat's post, so Cat would have it by now.
        assert not [f for f in await frames_up_to_own_post(cat, "anyone?") if f["type"] == "typing"]
        # Ann's node skips its own notice coming back: Dan has it once, Ann never.
        dans = [f for f in await frames_up_to_own_post(dan, "dan here") if f["type"] == "typing"]
        assert dans == [typing]
        assert not [f for f in await frames_up_to_own_post(ann, "ann here") if f["type"] == "typing"]
        for client in (ann, bob, cat, dan):
            await client.close()

    run(scenario())


def test_in_a_private_room_only_those_who_entered_its_password_on_the_other_node_see_a_typist(
    serve_process, postgres_url, tmp_path
):
    extra = ("--database", postgres_url, *private_room_args(tmp_path))
    first = serve_process(data_dir=tmp_path / "first", extra_args=extra)
    second = serve_process(data_dir=tmp_path / "second", extra_args=extra)

    async def entered(node, name: str) -> RoomClient:
        ws = await websockets.connect(f"{node.ws_base}/ws/team?v=2&name={name}", open_timeout=TIMEOUT)
        await ws.send(json.dumps({"type": "password", "password": PASSWORD}))
        client = RoomClient(ws, "team", name)
        client.welcome = await client.until_type("welcome")
        return client

    async def scenario() -> None:
        # At the door of the room on the second node: connected, no password sent.
        waiting = await websockets.connect(f"{second.ws_base}/ws/team?v=2&name=Eve", open_timeout=TIMEOUT)
        bob = await entered(second, "Bob")
        ann = await entered(first, "Ann")
        await lists(ann, "Bob")
        await ann.send({"type": "typing"})
        assert await bob.until(lambda f: f["type"] == "typing") == {
            "type": "typing",
            "room": "team",
            "sender": "Ann",
        }
        with pytest.raises(TimeoutError):  # nothing of the room reaches the door
            await asyncio.wait_for(waiting.recv(), 1.0)
        for client in (ann, bob):
            await client.close()
        await waiting.close()

    run(scenario())


def test_a_node_relays_another_nodes_notices_under_its_own_room_budget(start_nodes, postgres_url):
    (node,) = start_nodes(1)

    async def scenario() -> None:
        eve = await RoomClient.join(node.ws_base, "lobby", "Eve")
        # A chatty node (the test speaks for it) tells of more typists at once than a room relays.
        with psycopg.connect(postgres_url, autocommit=True) as db, db.transaction():
            # One of no known shape first (a node of another version): the node goes on listening.
            db.execute("SELECT pg_notify(%s, %s)", (TYPING_CHANNEL, '["lobby"]'))
            for number in range(TYPING_ROOM_BURST + 3):
                payload = json.dumps(["lobby", f"typist {number}", None, "a chatty node"])
                db.execute("SELECT pg_notify(%s, %s)", (TYPING_CHANNEL, payload))
        await eve.until(lambda f: f["type"] == "typing")
        read = await frames_up_to_own_post(eve, "counted")
        senders = [f["sender"] for f in read if f["type"] == "typing"]
        assert len(senders) == TYPING_ROOM_BURST - 1, senders  # and the one read first
        await eve.close()
        assert any("typing notice of no known shape" in line for line in node.output)

    run(scenario())


def test_a_notice_with_a_name_or_room_no_node_would_send_reaches_nobody(start_nodes, postgres_url):
    (node,) = start_nodes(1)
    # Any role that may connect to the database may NOTIFY: a name a member could never take.
    forged = ["\u202eecilA", "x" * (MAX_SENDER_CHARS + 1), " Ann", ""]

    async def scenario() -> None:
        eve = await RoomClient.join(node.ws_base, "lobby", "Eve")
        with psycopg.connect(postgres_url, autocommit=True) as db:
            for sender in forged:
                payload = json.dumps(["lobby", sender, None, "a forger"])
                db.execute("SELECT pg_notify(%s, %s)", (TYPING_CHANNEL, payload))
            db.execute(
                "SELECT pg_notify(%s, %s)", (TYPING_CHANNEL, json.dumps(["lobby", "Ann", None, "a node"]))
            )
        # Told in this order, so the first typing frame would be a forged one.
        first = await eve.until(lambda f: f["type"] == "typing")
        assert first == {"type": "typing", "room": "lobby", "sender": "Ann"}
        read = await frames_up_to_own_post(eve, "who types?")
        assert not [f for f in read if f["type"] == "typing"], read
        await eve.close()
        assert any("a room or name no node sends" in line for line in node.output)

    run(scenario())


def test_notices_waiting_for_the_connection_are_kept_up_to_the_limit_and_dropped_past_it():
    async def scenario() -> None:
        # Not running: nothing takes notices off the queue, as while its connection is made.
        notices = TypingNotices("postgresql://unused", "this node", lambda room: {"Bob": None})
        for number in range(MAX_TYPING_WAITING):
            notices.tell("lobby", f"typist {number}", None)
        assert notices.dropped == 0
        notices.tell("lobby", "one too many", None)
        assert notices.dropped == 1

    run(scenario())
