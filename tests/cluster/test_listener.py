"""A node whose listening connection is cut reads what it missed from the tables once it listens
again: nothing more needs to be posted for its members to get it."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest

from server.cluster.listener import RECONNECT_SECONDS
from server.storage.postgres_history import ROOMS_CHANNEL
from tests.support.room_client import RoomClient
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.process, pytest.mark.serial]

TIMEOUT = 60.0
MISSED = 3


def cut_listening_connections(url: str) -> int:
    """Terminate every node's listening connection (the others stay); how many there were."""
    with psycopg.connect(url, autocommit=True) as db:
        rows = db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'LISTEN%%'"
        ).fetchall()
    return len(rows)


def test_a_node_that_lost_its_listening_connection_catches_up_from_the_tables(start_nodes, postgres_url):
    writer_node, reader_node = start_nodes(2)

    async def scenario() -> float:
        reader = await RoomClient.join(reader_node.ws_base, "quiet", "Reader")
        writer = await RoomClient.join(writer_node.ws_base, "quiet", "Writer")
        first = await writer.post("before")
        await reader.catch_up(first["id"])
        assert cut_listening_connections(postgres_url) == 2
        cut = time.monotonic()
        # Stored while no node listens: no notification reaches the reader's node.
        for n in range(MISSED):
            await writer.post(f"missed {n}")
        await reader.catch_up(first["id"] + MISSED)
        took = time.monotonic() - cut
        assert [reader.folded[i]["text"] for i in sorted(reader.folded)] == [
            "before",
            *(f"missed {n}" for n in range(MISSED)),
        ]
        await reader.close()
        await writer.close()
        return took

    took = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))
    # Not before the node listens again, RECONNECT_SECONDS after the cut; soon after (a busy machine).
    assert RECONNECT_SECONDS - 0.1 <= took <= RECONNECT_SECONDS + 3.0, took
    wait_for(lambda: any("listening again" in line for line in reader_node.output), 10, "it listens again")


FORGED_AHEAD = 5


def test_a_notification_of_a_position_not_stored_yet_loses_no_message_that_comes_there(
    start_nodes, postgres_url
):
    """Any role that may connect to the database may NOTIFY the rooms' channel: a node told a room
    reached a position the table does not have yet delivers the messages stored there after all."""
    writer_node, reader_node = start_nodes(2)

    async def scenario() -> None:
        reader = await RoomClient.join(reader_node.ws_base, "quiet", "Reader")
        writer = await RoomClient.join(writer_node.ws_base, "quiet", "Writer")
        first = await writer.post("before")
        await reader.catch_up(first["id"])
        with psycopg.connect(postgres_url, autocommit=True) as db:
            db.execute(
                "SELECT pg_notify(%s, json_build_array('quiet', %s::bigint)::text)",
                (ROOMS_CHANNEL, first["id"] + FORGED_AHEAD),
            )
        for n in range(FORGED_AHEAD):
            await writer.post(f"after {n}")
        # Told before them (notifications come in commit order): without the check, never.
        await asyncio.wait_for(reader.catch_up(first["id"] + FORGED_AHEAD), 15)
        assert [reader.folded[i]["text"] for i in sorted(reader.folded)] == [
            "before",
            *(f"after {n}" for n in range(FORGED_AHEAD)),
        ]
        await reader.close()
        await writer.close()

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))


def test_a_room_notification_of_no_known_shape_is_logged_and_the_node_goes_on_listening(
    start_nodes, postgres_url
):
    writer_node, reader_node = start_nodes(2)
    shapeless = [
        "not json",
        '{"room": "quiet"}',
        '["quiet"]',
        "[1, 2]",
        '["quiet", "2"]',
        '["quiet", 2, ["edit"]]',
    ]

    async def scenario() -> None:
        reader = await RoomClient.join(reader_node.ws_base, "quiet", "Reader")
        writer = await RoomClient.join(writer_node.ws_base, "quiet", "Writer")
        with psycopg.connect(postgres_url, autocommit=True) as db:
            for payload in shapeless:
                db.execute("SELECT pg_notify(%s, %s)", (ROOMS_CHANNEL, payload))
        await reader.catch_up((await writer.post("heard after them"))["id"])
        await reader.close()
        await writer.close()

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))
    for node in (writer_node, reader_node):
        assert not any("listening failed" in line or "listening again" in line for line in node.output)
        logged = [line for line in node.output if "a room's notification of no known shape" in line]
        assert len(logged) == len(shapeless), logged
