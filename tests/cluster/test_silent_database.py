"""A node's database stops answering without refusing: a relay between them that goes silent (as a
machine that vanished, or hangs while its kernel still acknowledges), or PostgreSQL itself stopped
with SIGSTOP. A post meets storage_failed within STORE_CALL_TIMEOUT_SECONDS; after that the node
refuses store calls at once and answers everything else (typing, WebSocket pings, HTTP) as usual;
when the database answers again, the client's resend is stored once and nothing is lost or doubled.
The other nodes, whose database answers, go on meanwhile, and the silent node catches up after.

Real `lanchat serve` nodes, a real PostgreSQL: the relay and the stopped cluster are this test's own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from server.protocol.codes import ErrorCode
from server.storage.pg_reach import STORE_CALL_TIMEOUT_SECONDS, WATCH_SECONDS
from tests.support.frames import new_secret
from tests.support.outbox_client import RESEND_SECONDS
from tests.support.postgres import PostgresCluster, find_postgres_bin, running_cluster
from tests.support.room_client import RoomClient
from tests.support.silent_relay import SilentRelay

pytestmark = [pytest.mark.process, pytest.mark.serial]

TIMEOUT = 90.0
SLACK_SECONDS = 1.0  # a loaded machine's scheduling, on top of the bound
AT_ONCE_SECONDS = 0.5  # an answer from a loop that nothing holds
BACK_WITHIN_SECONDS = 30.0


def _postgres_pids(cluster: PostgresCluster) -> list[int]:
    """The cluster's postmaster and every process it started (backends, checkpointer, ...)."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False)
    return [postmaster, *(int(pid) for pid in children.stdout.split())]


@contextmanager
def _relay_silence(postgres_url: str) -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    port = int(postgres_url.rpartition(":")[2].partition("/")[0])
    with SilentRelay("127.0.0.1", port) as relay:
        yield relay.url_for(postgres_url), relay.go_silent, relay.resume


@contextmanager
def _stopped_postgres() -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    """A cluster of this test's own, so stopping it stops nobody else's database."""
    bin_dir = find_postgres_bin()
    assert bin_dir is not None  # postgres_url's fixture skipped (or failed, under CI) already
    with running_cluster(bin_dir) as cluster:
        url = cluster.create_database()
        stopped: list[int] = []

        def stop() -> None:
            stopped.extend(_postgres_pids(cluster))
            for pid in stopped:
                os.kill(pid, signal.SIGSTOP)

        def resume() -> None:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)
            stopped.clear()

        try:
            yield url, stop, resume
        finally:
            resume()  # never leave it stopped: stopping the cluster needs it running


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return int(response.status)


async def _answer(client: RoomClient, client_id: str) -> dict[str, Any]:
    return await client.until(lambda frame: frame.get("client_id") == client_id and frame["type"] != "ack")


@pytest.mark.parametrize("silence", ["relay", "sigstop"])
def test_a_silent_database_costs_one_bounded_wait_then_the_node_refuses_at_once_and_recovers_by_itself(
    silence, postgres_url, serve_process, tmp_path
):
    ways = {"relay": lambda: _relay_silence(postgres_url), "sigstop": _stopped_postgres}
    with ways[silence]() as (url, go_silent, resume):
        node = serve_process(data_dir=tmp_path / "node", extra_args=("--database", url))

        async def scenario() -> None:
            poster = await RoomClient.join(node.ws_base, "talk", "Poster", secret=new_secret())
            left = await RoomClient.join(node.ws_base, "side", "Left")
            right = await RoomClient.join(node.ws_base, "side", "Right")
            before = await poster.post("before")
            go_silent()
            try:
                # The first post waits at most the bound (behind, perhaps, a heartbeat that waits it).
                sent = time.monotonic()
                frame = {"text": "in the silence", "sender": "Poster", "client_id": "silence-1"}
                await poster.send(frame)
                refused = await _answer(poster, "silence-1")
                took = time.monotonic() - sent
                assert refused["type"] == "error" and refused["code"] == ErrorCode.STORAGE_FAILED, refused
                assert took < STORE_CALL_TIMEOUT_SECONDS + WATCH_SECONDS + SLACK_SECONDS, took
                # Then the node answers everything else at once, the database still silent.
                sent = time.monotonic()
                await left.send({"type": "typing"})
                typing = await right.until_type("typing")
                assert typing["sender"] == "Left"
                await asyncio.wait_for(await right.ws.ping(), AT_ONCE_SECONDS)
                assert await asyncio.to_thread(_get, node.url) == 200
                assert time.monotonic() - sent < AT_ONCE_SECONDS * 3
                # And a post is refused at once, not after another wait.
                sent = time.monotonic()
                await poster.send(frame)
                again = await _answer(poster, "silence-1")
                assert again["type"] == "error" and again["code"] == ErrorCode.STORAGE_FAILED, again
                assert time.monotonic() - sent < AT_ONCE_SECONDS, time.monotonic() - sent
            finally:
                resume()
            # The client's outbox sends it again until it is stored: once, whatever reached the
            # database as the silence ended.
            started = time.monotonic()
            while True:
                await poster.send(frame)
                answer = await _answer(poster, "silence-1")
                if answer["type"] != "error":
                    break
                assert answer["code"] == ErrorCode.STORAGE_FAILED, answer
                assert time.monotonic() - started < BACK_WITHIN_SECONDS, "the node never stored it"
                await asyncio.sleep(RESEND_SECONDS)
            after = await poster.post("after")
            assert after["id"] == answer["id"] + 1 == before["id"] + 2  # dense: nothing lost, none twice
            watcher = await RoomClient.join(node.ws_base, "talk", "Watcher")
            texts = [message["text"] for message in sorted(watcher.folded.values(), key=lambda m: m["id"])]
            assert texts == ["before", "in the silence", "after"], texts
            for client in (poster, left, right, watcher):
                await client.close()

        try:
            asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))
        finally:
            node.stop()  # before its database goes
            print(*node.output[-40:], sep="\n")
        assert any("is away" in line for line in node.output), node.output[-20:]
        assert any("answers again" in line for line in node.output), node.output[-20:]


def test_the_other_nodes_go_on_while_one_nodes_database_is_silent_and_it_catches_up_when_it_answers(
    postgres_url, start_nodes, serve_process, tmp_path
):
    (direct,) = start_nodes(1)
    with _relay_silence(postgres_url) as (url, go_silent, resume):
        silent = serve_process(data_dir=tmp_path / "silent", extra_args=("--database", url))

        async def scenario() -> None:
            here = await RoomClient.join(silent.ws_base, "talk", "Here", secret=new_secret())
            there = await RoomClient.join(direct.ws_base, "talk", "There", secret=new_secret())
            first = await there.post("first")
            await here.catch_up(first["id"])
            go_silent()
            try:
                frame = {"text": "from the silent node", "sender": "Here", "client_id": "here-1"}
                await here.send(frame)
                refused = await _answer(here, "here-1")
                assert refused["type"] == "error" and refused["code"] == ErrorCode.STORAGE_FAILED, refused
                for n in range(3):  # the other node stores and delivers as usual
                    sent = time.monotonic()
                    await there.post(f"meanwhile {n}")
                    assert time.monotonic() - sent < AT_ONCE_SECONDS
            finally:
                resume()
            started = time.monotonic()
            while True:
                await here.send(frame)
                answer = await _answer(here, "here-1")
                if answer["type"] != "error":
                    break
                assert time.monotonic() - started < BACK_WITHIN_SECONDS, "the node never stored it"
                await asyncio.sleep(RESEND_SECONDS)
            last = first["id"] + 4
            await asyncio.wait_for(
                asyncio.gather(here.catch_up(last), there.catch_up(last)), BACK_WITHIN_SECONDS
            )
            await asyncio.sleep(0.5)  # anything doubled would arrive now
            for client in (here, there):
                assert sorted(client.folded) == list(range(first["id"], last + 1)), client.folded
            texts = {message["text"] for message in here.folded.values()}
            assert texts == {"first", "from the silent node", "meanwhile 0", "meanwhile 1", "meanwhile 2"}
            assert [here.folded[n]["text"] for n in sorted(here.folded)] == [
                there.folded[n]["text"] for n in sorted(there.folded)
            ]
            await here.close()
            await there.close()

        try:
            asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))
        finally:
            silent.stop()
            print(*silent.output[-40:], sep="\n")
