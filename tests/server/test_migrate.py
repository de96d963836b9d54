"""`lanchat migrate --from DATA_DIR --to postgresql://...` on real processes: a host on SQLite
with history, replies, edits, deletes, reactions, a ban and a private room is stopped and
migrated, and a `lanchat serve` on the database gives a client the same room, positions included,
the same search results, the same password to enter the private room, and keeps the banned out.
A second migration into the same database copies nothing and says why."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.protocol.codes import CloseCode, ErrorCode
from server.rooms.bans import BANS_FILE, BanList
from server.rooms.identity import identity_of
from server.rooms.private import PrivateRooms
from tests.support.frames import frames_until
from tests.support.room_client import RoomClient
from tests.support.rooms import room_url

pytestmark = pytest.mark.process

TIMEOUT = 20.0
ANN_SECRET, BOB_SECRET = "a" * 43, "b" * 43
ROOM_PASSWORD = "the team's own words"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT * 4))


async def room_as_seen(server, room: str) -> tuple[list[dict], dict[int, dict]]:
    """What a client joining from the start is replayed, and the room folded from it."""
    reader = await RoomClient.join(server.ws_base, room, "Reader", after=0)
    await reader.close()
    return reader.replayed, reader.folded


def search(server, words: str) -> list[tuple[str, int]]:
    url = f"{server.url}api/search?{urllib.parse.urlencode({'q': words})}"
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return [(hit["room"], hit["id"]) for hit in json.load(response)["results"]]


def migrate(source, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", "migrate", "--from", str(source), "--to", url],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_migrated_host_gives_its_clients_the_same_rooms_on_postgresql(
    serve_process, postgres_url, tmp_path
):
    old_host = serve_process(data_dir=tmp_path / "old")

    async def chat() -> None:
        ann = await RoomClient.join(old_host.ws_base, "general", "Ann", secret=ANN_SECRET)
        bob = await RoomClient.join(old_host.ws_base, "general", "Bob", secret=BOB_SECRET)
        first = await ann.post("Привет, как дела с отчётом?")  # noqa: RUF001
        answer = await bob.post("The report is nearly done", reply_to=first["id"])
        await ann.change({"type": "react", "id": answer["id"], "emoji": "👍", "on": True})
        await bob.change({"type": "react", "id": answer["id"], "emoji": "👍", "on": True})
        await bob.change({"type": "edit", "id": answer["id"], "text": "The report is done"})
        await ann.send({"type": "seen", "id": answer["id"]})  # handled before her next post's ack
        gone = await ann.post("a typo nobody should find")
        await ann.change({"type": "delete", "id": gone["id"]})
        other = await RoomClient.join(old_host.ws_base, "отдел", "Ann", secret=ANN_SECRET)
        for n in range(3):
            await other.post(f"отчёты номер {n}")
        for client in (ann, bob, other):
            await client.close()

    run(chat())
    before = {room: run(room_as_seen(old_host, room)) for room in ("general", "отдел")}
    found_before = {words: search(old_host, words) for words in ("отчёт", "report", "typo")}
    assert found_before["отчёт"] and found_before["report"] and not found_before["typo"]
    assert old_host.stop() == 0
    # What the host's window decided, kept in its data folder as the window keeps it.
    BanList(tmp_path / "old" / BANS_FILE).add("identity", identity_of(BOB_SECRET), "Bob")
    PrivateRooms(tmp_path / "old").set_password("team", ROOM_PASSWORD)

    done = migrate(tmp_path / "old", postgres_url)
    assert done.returncode == 0, done.stderr
    assert "2  rooms" in done.stdout and "6  messages" in done.stdout and "2  reactions" in done.stdout
    assert "1  bans" in done.stdout and "1  private rooms" in done.stdout
    assert "1  read receipts" in done.stdout

    cluster_node = serve_process(data_dir=tmp_path / "node", extra_args=("--database", postgres_url))
    for room, (replayed, folded) in before.items():
        assert run(room_as_seen(cluster_node, room)) == (replayed, folded)
    assert {words: search(cluster_node, words) for words in found_before} == found_before

    async def go_on() -> None:
        # A client that last saw the old host's newest message resumes on the node with nothing
        # lost or doubled, and the room's positions go on from where they were.
        _, folded = before["general"]
        ann = await RoomClient.join(
            cluster_node.ws_base, "general", "Ann", secret=ANN_SECRET, after=max(folded)
        )
        assert [frame for frame in ann.replayed if frame["type"] == "message"] == []
        posted = await ann.post("on the cluster now")
        assert posted["id"] > ann.welcome["last_id"] - 1 and posted["id"] > max(folded)
        await ann.close()

    run(go_on())
    with connect(room_url(cluster_node, "general", v=2, name="Cy")) as ws:
        ws.send(json.dumps({"type": "hello", "secret": "c" * 43}))
        identified = frames_until(ws, lambda frame: frame["type"] == "identified")[-1]
    assert [(seen["identity"], seen["name"]) for seen in identified["seen"]] == [
        (identity_of(ANN_SECRET), "Ann")
    ]
    with connect(room_url(cluster_node, "general", v=2, name="Bob")) as ws:
        ws.send(json.dumps({"type": "hello", "secret": BOB_SECRET}))
        refused = frames_until(ws, lambda frame: frame["type"] == "error")[-1]
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=TIMEOUT)
    assert (refused["code"], closed.value.rcvd.code) == (ErrorCode.BANNED, CloseCode.BANNED)
    with connect(room_url(cluster_node, "team", v=2, name="Ann")) as ws:
        ws.send(json.dumps({"type": "password", "password": ROOM_PASSWORD}))
        assert frames_until(ws, lambda frame: frame["type"] == "welcome")[0]["type"] == "entered"

    again = migrate(tmp_path / "old", postgres_url)
    assert again.returncode == 1
    assert "nothing was copied: the database already holds 2 of these rooms" in again.stderr


def test_migrate_says_what_is_wrong_with_its_source(tmp_path, postgres_url):
    done = migrate(tmp_path / "nowhere", postgres_url)
    assert done.returncode == 1
    assert f"nothing was copied: {tmp_path / 'nowhere'} holds no lanchat history" in done.stderr
