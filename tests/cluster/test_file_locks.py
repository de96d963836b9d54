"""The files' locks in a real PostgreSQL, as two nodes take them (two lock objects, each its own
connections): one PATCH of an upload at a time, the waiting one asks the holder to let go, and a
content becoming complete on one node is not removed by another."""

from __future__ import annotations

import asyncio
import time

import pytest

from server.files.index import StoredUpload
from server.files.pg_index import PostgresFileIndex
from server.files.pg_locks import ASK_AGAIN_SECONDS, TAKEOVER_POLL_SECONDS, PostgresUploadLocks

SHA = "ab" * 32
WAIT = 0.5


@pytest.fixture
def index(postgres_url):
    records = PostgresFileIndex(postgres_url)
    records.add_upload(StoredUpload("up-1", "lobby", 10, "a", "b/c", SHA, None, 1.0, 1.0, False))
    yield records
    records.close()


def test_a_patch_lock_held_on_one_node_keeps_the_other_waiting_exactly_its_wait_and_asks_the_holder(
    index, postgres_url
):
    first, second = PostgresUploadLocks(postgres_url), PostgresUploadLocks(postgres_url)

    async def scenario() -> None:
        asked = asyncio.Event()
        async with first.hold("up-1", WAIT, asked):
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                async with second.hold("up-1", WAIT, asyncio.Event()):
                    pass
            assert WAIT <= time.monotonic() - started < WAIT + 1
            await asyncio.wait_for(asked.wait(), TAKEOVER_POLL_SECONDS + ASK_AGAIN_SECONDS + 1)
        # Let go: the other node takes it at once.
        async with second.hold("up-1", WAIT, asyncio.Event()):
            pass

    asyncio.run(scenario())


def test_a_content_becoming_complete_on_one_node_is_not_removed_by_another(index, postgres_url):
    locks = PostgresUploadLocks(postgres_url)

    async def scenario() -> None:
        async with locks.content(SHA):
            with index.content_lock(SHA) as free:
                assert not free
        with index.content_lock(SHA) as free:
            assert free

    asyncio.run(scenario())
