"""Member lists across nodes: the union of every live node's members, with join and leave notices;
a node killed without a word has its members leave the others' lists within the stated time."""

from __future__ import annotations

import asyncio
import secrets
import signal
import time

import psycopg
import pytest

from server.cluster.presence import (
    HEARTBEAT_SECONDS,
    MEMBERS_VANISH_SECONDS,
    NODE_EXPIRY_SECONDS,
    NODE_ROW_KEPT_SECONDS,
)
from tests.support.room_client import RoomClient
from tests.support.waiting import wait_for

pytestmark = pytest.mark.process

TIMEOUT = 60.0


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


async def presence(client: RoomClient, event: str, name: str) -> dict:
    return await client.until(lambda f: f["type"] == "presence" and f["event"] == event and f["name"] == name)


def test_member_lists_are_the_union_of_the_nodes_members_with_join_and_leave_notices(start_nodes):
    first, second = start_nodes(2)

    async def scenario() -> None:
        ann = await RoomClient.join(first.ws_base, "lobby", "Ann")
        bob = await RoomClient.join(second.ws_base, "lobby", "Bob", secret=secrets.token_hex(16))
        await presence(ann, "join", "Bob")  # Bob is on the other node
        cat = await RoomClient.join(second.ws_base, "lobby", "Cat")
        await presence(ann, "join", "Cat")
        dan = await RoomClient.join(first.ws_base, "lobby", "Dan")
        assert dan.welcome is not None
        assert dan.welcome["members"] == ["Ann", "Bob", "Cat", "Dan"]
        # Whose name Bob's is reaches the other node with its next row (Bob's hello came after
        # his name): a welcome there says it, so Dan can open a direct room with him.
        deadline = time.monotonic() + 2 * HEARTBEAT_SECONDS
        while (dan.welcome or {}).get("identities", {}).get("Bob") != bob.identity:
            assert time.monotonic() < deadline, dan.welcome
            await dan.close()
            dan = await RoomClient.join(first.ws_base, "lobby", "Dan")
        await presence(bob, "join", "Dan")
        await cat.close()
        await presence(ann, "leave", "Cat")
        await presence(dan, "leave", "Cat")
        for client in (ann, bob, dan):
            await client.close()

    run(scenario())


@pytest.mark.serial
def test_a_killed_nodes_members_leave_the_other_nodes_lists_within_the_stated_time(start_nodes):
    survivor, doomed = start_nodes(2)

    async def scenario() -> float:
        ann = await RoomClient.join(survivor.ws_base, "lobby", "Ann")
        bob = await RoomClient.join(doomed.ws_base, "lobby", "Bob")
        await presence(ann, "join", "Bob")
        await asyncio.sleep(HEARTBEAT_SECONDS)  # Bob's node has written its row again since
        assert doomed.process is not None
        doomed.process.send_signal(signal.SIGKILL)  # no goodbye: its row just stops being refreshed
        killed = time.monotonic()
        await presence(ann, "leave", "Bob")
        took = time.monotonic() - killed
        late = await RoomClient.join(survivor.ws_base, "lobby", "Late")
        assert late.welcome is not None and late.welcome["members"] == ["Ann", "Late"]
        await ann.close()
        await late.close()
        del bob
        return took

    took = run(scenario())
    # Its last heartbeat was at most HEARTBEAT_SECONDS before the kill: listed at least until its
    # row expired, gone at most MEMBERS_VANISH_SECONDS after (a second for a busy machine).
    assert NODE_EXPIRY_SECONDS - HEARTBEAT_SECONDS - 0.5 <= took <= MEMBERS_VANISH_SECONDS + 1.0, took


def test_a_dead_nodes_row_is_deleted_once_it_is_older_than_the_time_rows_are_kept(start_nodes, postgres_url):
    (node,) = start_nodes(1)  # its tables exist once it serves
    with psycopg.connect(postgres_url, autocommit=True) as db:
        for name, age in (("kept", NODE_ROW_KEPT_SECONDS - 5), ("swept", NODE_ROW_KEPT_SECONDS + 5)):
            db.execute(
                "INSERT INTO cluster_nodes (node, seen, members)"
                " VALUES (%s, now() - make_interval(secs => %s), '{}')",
                (name, age),
            )

        def rows() -> set[str]:
            return {row[0] for row in db.execute("SELECT node FROM cluster_nodes").fetchall()}

        wait_for(lambda: "swept" not in rows(), 3 * HEARTBEAT_SECONDS, "the heartbeat sweeps the old row")
        assert "kept" in rows()
        assert len(rows()) == 2  # the live node's own, and the one not old enough
    assert node.process is not None and node.process.poll() is None
