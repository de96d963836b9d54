"""Read receipts across two real `lanchat serve` nodes on one real PostgreSQL: a reader on one node
reaches the author on the other within the summary's pace, a hello on any node lists every
node's receipts, opting out on one node forgets the receipt for all, and a receipt that moved
while a node did not listen reaches its members once it listens again.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from websockets.sync.client import connect

from server.cluster.listener import LISTENER_APPLICATION, RECONNECT_SECONDS
from server.policy import RECEIPTS_SUMMARY_SECONDS
from server.protocol.limits import IDENTITY_ID_CHARS
from server.rooms.identity import identity_of
from server.rooms.receipts import MAX_RECEIPTS_PER_ROOM
from server.storage.pg_receipts import RECEIPTS_CHANNEL
from tests.support.frames import frames_until, new_secret
from tests.support.rooms import room_url
from tests.support.waiting import wait_for

pytestmark = pytest.mark.process

# A receipt reaches another node's members with the room's next summary frame; the rest is the
# machine's own pace (NOTIFY on loopback is a few milliseconds).
WITHIN = RECEIPTS_SUMMARY_SECONDS + 4


@contextmanager
def member(node, name: str, secret: str, *, receipts: bool = True, room: str = "team"):
    """A v2 member of `room` on `node` with an identity: it and its `identified` frame."""
    with connect(room_url(node, room, v=2, name=name)) as ws:
        hello: dict = {"type": "hello", "secret": secret}
        if not receipts:
            hello["receipts"] = False
        ws.send(json.dumps(hello))
        frames = frames_until(ws, lambda f: f["type"] == "welcome")
        identified = [f for f in frames if f["type"] == "identified"]
        if not identified:
            identified = frames_until(ws, lambda f: f["type"] == "identified")[-1:]
        yield ws, identified[0]


def post(ws, name: str, text: str) -> int:
    ws.send(json.dumps({"text": text, "sender": name, "client_id": f"c-{text}"}))
    return frames_until(ws, lambda f: f["type"] == "ack")[-1]["id"]


def message(ws, text: str) -> dict:
    return frames_until(ws, lambda f: f["type"] == "message" and f["text"] == text, WITHIN)[-1]


@pytest.fixture
def nodes(start_nodes):
    return start_nodes(2)


def test_a_reader_on_one_node_reaches_the_author_on_the_other_and_every_hello_lists_it(nodes, postgres_url):
    first, second = nodes
    # A notification of no known shape (a node of another version, say) leaves the nodes listening.
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("SELECT pg_notify(%s, %s)", (RECEIPTS_CHANNEL, '["team", 1]'))
    ann_secret, bob_secret = new_secret(), new_secret()
    ann_id = identity_of(ann_secret)
    with member(second, "Bob", bob_secret) as (bob, bob_hello), member(first, "Ann", ann_secret) as (ann, _):
        assert bob_hello["seen"] == []
        posted = post(bob, "Bob", "hello from the second node")
        assert message(ann, "hello from the second node")["id"] == posted
        ann.send(json.dumps({"type": "seen", "id": posted}))
        receipt = {"identity": ann_id, "name": "Ann", "id": posted}
        frame = frames_until(bob, lambda f: f["type"] == "receipts", WITHIN)[-1]
        assert frame == {"type": "receipts", "room": "team", "seen": [receipt]}
        # A newcomer on either node is told the receipt in its hello's answer.
        for node in (second, first):
            with member(node, "Cy", new_secret()) as (_, identified):
                assert identified["seen"] == [receipt]
    for node in nodes:
        assert any("no known shape" in line for line in node.output), node.output[-20:]
        assert not any("listening again" in line for line in node.output)


def test_receipts_from_both_nodes_reach_a_reader_as_summaries_no_oftener_than_the_pace(nodes):
    first, second = nodes
    secrets = {name: new_secret() for name in ("Ann", "Dee", "Bob")}
    readers = {identity_of(secrets["Ann"]), identity_of(secrets["Dee"])}
    with (
        member(second, "Bob", secrets["Bob"]) as (bob, _),
        member(first, "Ann", secrets["Ann"]) as (ann, _),
        member(second, "Dee", secrets["Dee"]) as (dee, _),
    ):
        posts = [post(bob, "Bob", f"line {n}") for n in range(6)]
        for ws in (ann, dee):
            message(ws, "line 5")
        arrived: list[tuple[float, dict]] = []  # when each summary reached Bob, read as it came
        latest: dict[str, int] = {}

        def listen() -> None:
            deadline = time.monotonic() + WITHIN + len(posts) * RECEIPTS_SUMMARY_SECONDS
            while latest != dict.fromkeys(readers, posts[-1]):
                frame = frames_until(bob, lambda f: f["type"] == "receipts", deadline - time.monotonic())[-1]
                arrived.append((time.monotonic(), frame))
                latest.update({entry["identity"]: entry["id"] for entry in frame["seen"]})

        listening = threading.Thread(target=listen)
        listening.start()
        # Ann (on the other node) and Dee (on Bob's) read line by line, faster than the pace.
        for position in posts:
            for ws in (ann, dee):
                ws.send(json.dumps({"type": "seen", "id": position}))
            time.sleep(RECEIPTS_SUMMARY_SECONDS / 4)
        listening.join()
    assert latest == dict.fromkeys(readers, posts[-1])
    # Six positions read by two people on two nodes: a few summaries, not twelve frames, each a
    # pace after the one before (a little early at most: the network's jitter).
    assert len(arrived) <= 4, arrived
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(arrived)]
    assert all(gap > RECEIPTS_SUMMARY_SECONDS * 0.8 for gap in gaps), gaps


def test_opting_out_on_one_node_forgets_the_receipt_on_every_node(nodes):
    first, second = nodes
    ann_secret = new_secret()
    with member(first, "Bob", new_secret()) as (bob, _), member(first, "Ann", ann_secret) as (ann, _):
        posted = post(bob, "Bob", "read me")
        message(ann, "read me")
        ann.send(json.dumps({"type": "seen", "id": posted}))
        frames_until(bob, lambda f: f["type"] == "receipts", WITHIN)
    with member(second, "Cy", new_secret()) as (_, identified):
        assert [entry["identity"] for entry in identified["seen"]] == [identity_of(ann_secret)]
    with member(second, "Ann", ann_secret, receipts=False) as (_, identified):
        assert "seen" not in identified
    for node in (first, second):
        with member(node, "Cy", new_secret()) as (_, identified):
            assert identified["seen"] == []


@pytest.mark.serial
def test_a_hello_while_the_database_is_away_is_identified_without_receipts(start_nodes, postgres_cluster):
    (node,) = start_nodes(1)
    secret = new_secret()
    with connect(room_url(node, "team", v=2, name="Ann")) as ws:
        frames_until(ws, lambda f: f["type"] == "welcome")
        postgres_cluster.stop()
        try:
            ws.send(json.dumps({"type": "hello", "secret": secret}))
            identified = frames_until(ws, lambda f: f["type"] in ("identified", "error"), WITHIN)[-1]
        finally:
            postgres_cluster.start_server()
    assert identified == {"type": "identified", "identity": identity_of(secret), "seen": []}


@pytest.mark.serial
def test_receipts_that_moved_while_a_node_did_not_listen_reach_its_members_once_it_listens_again(
    nodes, postgres_url
):
    first, second = nodes
    ann_secret = new_secret()
    with member(first, "Bob", new_secret()) as (bob, _), member(second, "Ann", ann_secret) as (ann, _):
        posted = post(bob, "Bob", "read me while the first node is deaf")
        message(ann, "read me while the first node is deaf")
        maintenance = make_conninfo(postgres_url, dbname="postgres")
        with psycopg.connect(postgres_url, autocommit=True) as db, psycopg.connect(maintenance) as admin:
            admin.autocommit = True
            database = sql.Identifier(db.info.dbname)
            # No new connection while the first node's listening one is cut: it cannot listen
            # again until the test allows it (the connections open stay).
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(database))
            try:
                cut = db.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                    (f"{LISTENER_APPLICATION} {first.process.pid}",),
                ).fetchall()
                assert cut == [(True,)]
                wait_for(
                    lambda: any("lost the listening connection" in line for line in first.output),
                    WITHIN,
                    "the first node to notice",
                )
                ann.send(json.dumps({"type": "seen", "id": posted}))
                wait_for(
                    lambda: db.execute("SELECT seen_id FROM read_receipts").fetchall() == [(posted,)],
                    WITHIN,
                    "the receipt to be kept",
                )
                with pytest.raises(TimeoutError):  # its notification went to nobody on Bob's node
                    frames_until(bob, lambda f: f["type"] == "receipts", RECEIPTS_SUMMARY_SECONDS + 1)
            finally:
                admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(database))
        allowed = time.monotonic()
        frame = frames_until(bob, lambda f: f["type"] == "receipts", WITHIN)[-1]
        took = time.monotonic() - allowed
    receipt = {"identity": identity_of(ann_secret), "name": "Ann", "id": posted}
    assert frame == {"type": "receipts", "room": "team", "seen": [receipt]}
    # At its next try to listen, RECONNECT_SECONDS at most; soon after (a busy machine).
    assert took <= RECONNECT_SECONDS + 3.0, took
    assert any("listening again" in line for line in first.output)


def test_receipts_heard_from_the_database_reach_members_only_as_a_node_sends_them_and_bounded(
    start_nodes, postgres_url
):
    """Any role that may connect to the database may NOTIFY: a receipt with a name no member could
    take reaches nobody, and however many are told at once, a frame lists at most
    MAX_RECEIPTS_PER_ROOM, as the table keeps (the furthest)."""
    (node,) = start_nodes(1)
    told = 2 * MAX_RECEIPTS_PER_ROOM + 1
    with member(node, "Bob", new_secret()) as (bob, _):
        with psycopg.connect(postgres_url, autocommit=True) as db, db.transaction():
            forged = ["team", "a" * IDENTITY_ID_CHARS, "\u202eecilA", told + 1, 0, "a forger"]
            db.execute("SELECT pg_notify(%s, %s)", (RECEIPTS_CHANNEL, json.dumps(forged)))
            for n in range(told):
                receipt = ["team", f"{n:0{IDENTITY_ID_CHARS}x}", f"Reader {n}", n + 1, 0, "a node"]
                db.execute("SELECT pg_notify(%s, %s)", (RECEIPTS_CHANNEL, json.dumps(receipt)))
        frames = []
        with contextlib.suppress(TimeoutError):
            while True:
                frame = json.loads(bob.recv(timeout=RECEIPTS_SUMMARY_SECONDS + 2))
                if frame["type"] == "receipts":
                    frames.append(frame)
    assert frames
    assert all(len(frame["seen"]) <= MAX_RECEIPTS_PER_ROOM for frame in frames), [
        len(f["seen"]) for f in frames
    ]
    names = {entry["name"] for frame in frames for entry in frame["seen"]}
    assert "\u202eecilA" not in names and f"Reader {told - 1}" in names
    assert any("no node sends" in line for line in node.output)
