"""PostgreSQL stops and starts again under two nodes in the middle of traffic: posts meanwhile are
refused with storage_failed and sent again by their clients, the nodes listen again by themselves
and read what they missed from the tables, and every client ends with the same dense history,
nothing lost or doubled."""

from __future__ import annotations

import asyncio
import time

import pytest

from server.protocol.codes import ErrorCode
from tests.support.frames import new_secret
from tests.support.outbox_client import RESEND_SECONDS, OutboxClient
from tests.support.room_client import RoomClient

pytestmark = [pytest.mark.process, pytest.mark.serial]

TIMEOUT = 120.0
EACH = 30  # messages each client posts
OUTAGE_SECONDS = 2.0


def test_nodes_listen_again_after_the_database_restarts_and_nothing_is_lost_or_doubled(
    start_nodes, postgres_cluster
):
    nodes = start_nodes(2)

    async def scenario() -> int:
        posters = [
            await OutboxClient.open(
                lambda after, held, base=node.ws_base, name=f"P{n}": RoomClient.join(
                    base, "steady", name, after=after, held=held
                )
            )
            for n, node in enumerate(nodes)
        ]

        async def post_all(poster: OutboxClient) -> None:
            for n in range(EACH):
                await poster.post(f"{poster.name} {n}")
                await asyncio.sleep(0.05)

        async def restart() -> None:
            await asyncio.sleep(0.5)  # mid-traffic
            await asyncio.to_thread(postgres_cluster.stop)
            stopped = time.monotonic()
            await asyncio.sleep(OUTAGE_SECONDS)
            await asyncio.to_thread(postgres_cluster.start_server)
            assert time.monotonic() - stopped >= OUTAGE_SECONDS

        await asyncio.gather(restart(), *(post_all(poster) for poster in posters))
        total = EACH * len(posters)
        await asyncio.gather(*(poster.reach(total) for poster in posters))
        await asyncio.sleep(0.5)  # anything doubled would arrive now
        ids = [poster.message_ids for poster in posters]
        assert ids[0] == list(range(1, total + 1)), ids[0]  # dense, in order, none twice
        assert ids[1] == ids[0]
        texts = sorted(message["text"] for message in posters[0].client.folded.values())
        assert texts == sorted(f"P{p} {n}" for p in range(len(posters)) for n in range(EACH))
        for poster in posters:
            await poster.close()
        return sum(poster.refused for poster in posters)

    try:
        refused = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))
    finally:  # what the nodes said, when it fails
        for number, node in enumerate(nodes):
            print(
                f"--- node {number} (exit {node.process and node.process.poll()}):",
                *node.output[-60:],
                sep="\n",
            )
    assert refused > 0  # the outage did refuse posts: the test saw what it is about
    for node in nodes:
        assert any("listening again" in line for line in node.output), node.output[-20:]


def test_a_frame_that_meets_the_database_away_is_refused_and_its_member_stays(start_nodes, postgres_cluster):
    (node,) = start_nodes(1)

    async def scenario() -> None:
        reader = await RoomClient.join(node.ws_base, "quiet", "Reader", secret=new_secret())
        posted = await reader.post("read me")
        # On this thread, not to_thread: a first import on a worker thread while the loop's
        # thread imports too trips CPython 3.11's shared AST recursion counter (gh-106905), and
        # pytest's later assertion rewriting then fails with "recursion depth mismatch".
        postgres_cluster.stop()
        try:
            # A receipt asks the store for the room's position: the database is away.
            await reader.send({"type": "seen", "id": posted["id"]})
            refused = await reader.until_type("error")
            assert refused["code"] == ErrorCode.STORAGE_FAILED, refused
        finally:
            postgres_cluster.start_server()
        # Still connected: once the database is back (the node reconnects at its next call),
        # the same socket posts again.
        for _ in range(50):
            await reader.send({"text": "still here", "sender": "Reader", "client_id": "still-here"})
            answer = await reader.until(lambda frame: frame.get("client_id") == "still-here")
            if answer["type"] != "error":
                break
            assert answer["code"] == ErrorCode.STORAGE_FAILED, answer
            await asyncio.sleep(RESEND_SECONDS)
        assert answer["type"] in ("ack", "message"), answer
        await reader.close()

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))
