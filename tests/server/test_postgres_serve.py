"""`lanchat serve --database postgresql://...` as real processes on one real PostgreSQL: a client
resumes with `?after=` across a restart with nothing lost or doubled, and two servers on the same
database posting at once keep the room's positions dense and in order.

What one stored is checked through the other by joining it with `after`, the way a client that
moves between servers catches up; live delivery across servers is tests/cluster's.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from tests.support.ports import free_port
from tests.support.room_client import RoomClient
from tests.support.waiting import wait_for

pytestmark = pytest.mark.process

TIMEOUT = 20.0
BEFORE, AFTER_RESTART, EACH = 5, 3, 20


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT * 4))


async def replay_after(server, room: str, after: int) -> list[dict]:
    """The message frames a client joining `server` with `?after=` is sent before its welcome."""
    client = await RoomClient.join(server.ws_base, room, "Reader", after=after)
    await client.close()
    return [frame for frame in client.replayed if frame["type"] == "message"]


def test_history_on_postgresql_resumes_across_a_restart_and_two_servers_keep_one_order(
    serve_process, postgres_url, tmp_path
):
    database = ("--database", postgres_url)
    first = serve_process(data_dir=tmp_path / "first", extra_args=database)
    # printed just after the "serving at" line start() waits for
    wait_for(
        lambda: any("history: PostgreSQL at 127.0.0.1" in line for line in first.output),
        10,
        f"the server names where it keeps the history: {first.output}",
    )

    async def before_the_restart() -> tuple[int, dict]:
        ann = await RoomClient.join(first.ws_base, "shared", "Ann")
        sent = [await ann.post(f"before {n}") for n in range(1, BEFORE + 1)]
        await ann.close()
        return sent[1]["id"], sent[-1]

    seen, last_before = run(before_the_restart())
    assert first.stop() == 0
    first.start()  # same port, same database, its own data folder untouched

    async def after_the_restart() -> None:
        ann = await RoomClient.join(first.ws_base, "shared", "Ann", after=last_before["id"])
        # A re-send of a message whose ack was lost in the restart: acknowledged, stored once.
        await ann.send({"text": last_before["text"], "sender": "Ann", "client_id": last_before["client_id"]})
        ack = await ann.until_type("ack")
        assert (ack["id"], ack["duplicate"]) == (last_before["id"], True)
        for n in range(1, AFTER_RESTART + 1):
            await ann.post(f"after {n}")
        await ann.close()
        resumed = await replay_after(first, "shared", seen)
        assert [frame["id"] for frame in resumed] == list(range(seen + 1, BEFORE + AFTER_RESTART + 1))
        expected = [f"before {n}" for n in range(seen + 1, BEFORE + 1)]
        expected += [f"after {n}" for n in range(1, AFTER_RESTART + 1)]
        assert [frame["text"] for frame in resumed] == expected

    run(after_the_restart())

    second = serve_process(data_dir=tmp_path / "second", extra_args=database)
    start = BEFORE + AFTER_RESTART

    async def both_servers_at_once() -> None:
        writers = [
            await RoomClient.join(server.ws_base, "shared", name, after=start)
            for server, name in ((first, "Ann"), (second, "Bob"))
        ]

        async def post_all(writer: RoomClient) -> list[int]:
            return [(await writer.post(f"{writer.name} {n}"))["id"] for n in range(EACH)]

        ids = await asyncio.gather(*(post_all(writer) for writer in writers))
        for writer in writers:
            await writer.close()
        for own in ids:
            assert own == sorted(own)  # each writer's messages in the order it sent them
        assert sorted(ids[0] + ids[1]) == list(range(start + 1, start + 2 * EACH + 1))  # dense, none twice
        # Either server gives a joining client the same history, in the one order.
        seen_on = [await replay_after(server, "shared", start) for server in (first, second)]
        assert seen_on[0] == seen_on[1]
        assert [frame["id"] for frame in seen_on[0]] == list(range(start + 1, start + 2 * EACH + 1))
        for name in ("Ann", "Bob"):
            texts = [frame["text"] for frame in seen_on[0] if frame["sender"] == name]
            assert texts == [f"{name} {n}" for n in range(EACH)]

    run(both_servers_at_once())
    assert not [line for line in first.output + second.output if "could not store" in line]


def test_an_unreachable_database_stops_lanchat_serve_with_a_sentence_that_keeps_the_password(tmp_path):
    closed = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "server", "--port", "0", "--data", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LANCHAT_DATABASE_URL": f"postgresql://node:s3cret@127.0.0.1:{closed}/chat"},
    )
    assert done.returncode == 1
    said = done.stdout + done.stderr
    assert f"lanchat: cannot keep the history there: PostgreSQL at 127.0.0.1:{closed}/chat" in said
    assert "Traceback" not in said and "s3cret" not in said
