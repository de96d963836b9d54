"""Files on two real `lanchat serve` nodes sharing one real PostgreSQL and one files folder
(`--files-dir`): an upload started on one node resumes on the other, a file sent through one
downloads from the other, two PATCHes of one upload never write at once on any node, and the file
limits count every node's files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from websockets.sync.client import connect

from server.cluster.shared_state import STATE_POLL_SECONDS
from server.files.pg_locks import TAKEOVER_POLL_SECONDS
from server.web.files_routes import TAKEOVER_GRACE_SECONDS, UPLOAD_LOCK_WAIT_SECONDS
from tests.support.admin_cli import admin, done
from tests.support.file_host import file_host_args
from tests.support.frames import frames_until
from tests.support.tus_client import TusUpload, create_headers, sha256_b64
from tests.support.waiting import wait_for

pytestmark = pytest.mark.process

MIB = 1024 * 1024
ROUNDS_WITH_FILES = 8


@pytest.fixture
def shared_dir(tmp_path):
    return tmp_path / "shared-files"


@pytest.fixture
def nodes(serve_process, postgres_url, tmp_path, shared_dir):
    args = file_host_args(tmp_path, "--database", postgres_url, "--files-dir", str(shared_dir))
    first = serve_process(data_dir=tmp_path / "first", extra_args=args)
    second = serve_process(data_dir=tmp_path / "second", extra_args=args)
    return first, second


@pytest.fixture
def clients(nodes) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    first, second = nodes
    with (
        httpx.Client(base_url=first.url.rstrip("/"), timeout=30) as a,
        httpx.Client(base_url=second.url.rstrip("/"), timeout=30) as b,
    ):
        yield a, b


def post_with(node, upload_id: str) -> dict:
    """A message carrying the upload, posted on `node`; the frame it comes back as."""
    with connect(f"{node.ws_base}/ws/lobby?v=2&name=Ann") as ws:
        frames_until(ws, lambda f: f["type"] == "welcome")
        client_id = secrets.token_hex(8)
        message = {
            "type": "message",
            "sender": "Ann",
            "text": "",
            "attachments": [upload_id],
            "client_id": client_id,
        }
        ws.send(json.dumps(message))
        return frames_until(
            ws, lambda f: (f["type"] == "message" and f.get("client_id") == client_id) or f["type"] == "error"
        )[-1]


def test_an_upload_started_on_one_node_resumes_on_the_other_and_downloads_from_both(
    nodes, clients, shared_dir
):
    a, b = clients
    data = os.urandom(3 * MIB + 11)
    upload = TusUpload.create(a, "lobby", len(data), sha256_b64(data), name="plan.bin")
    assert upload.patch(0, data[:MIB]).status_code == 204
    on_b = TusUpload(b, upload.location)
    assert on_b.offset() == MIB
    assert on_b.patch(MIB, data[MIB : 2 * MIB]).status_code == 204
    # Back on the first node, which remembered the upload at MIB: it reads what the other wrote.
    assert upload.offset() == 2 * MIB
    response = upload.patch(2 * MIB, data[2 * MIB :])
    assert response.status_code == 204, response.text
    assert int(response.headers["upload-offset"]) == len(data)
    assert on_b.offset() == len(data)
    digest = hashlib.sha256(data).hexdigest()
    assert (shared_dir / "sha256" / digest[:2] / digest[2:]).read_bytes() == data

    frame = post_with(nodes[1], upload.upload_id)
    assert frame["type"] == "message", frame
    (attachment,) = frame["attachments"]
    for client in clients:
        download = client.get(attachment["url"])
        assert download.status_code == 200
        assert download.content == data
    history = a.get("/api/rooms/lobby/messages").json()["messages"]
    assert history[-1]["attachments"] == [attachment]


def test_a_patch_still_sending_on_one_node_keeps_another_nodes_patch_out_with_upload_busy(nodes, clients):
    a, b = clients
    data = os.urandom(2 * MIB)
    upload = TusUpload.create(a, "lobby", len(data), sha256_b64(data))
    step = 32 * 1024
    sending_for = UPLOAD_LOCK_WAIT_SECONDS + TAKEOVER_GRACE_SECONDS + 3
    pause = sending_for / (MIB // step)
    started = threading.Event()

    def slow_body() -> Iterator[bytes]:
        for start in range(0, MIB, step):
            started.set()
            yield data[start : start + step]
            time.sleep(pause)

    first_result: list[httpx.Response] = []
    sender = threading.Thread(target=lambda: first_result.append(upload.patch(0, slow_body())))
    sender.start()
    try:
        assert started.wait(10)
        time.sleep(0.5)  # the first node holds the lock by now
        waited = time.monotonic()
        second = TusUpload(b, upload.location).patch(0, data)
        assert second.status_code == 423, second.text
        assert second.json()["detail"]["code"] == "upload_busy"
        assert time.monotonic() - waited >= UPLOAD_LOCK_WAIT_SECONDS - 0.5
    finally:
        sender.join(60)
    (response,) = first_result
    assert response.status_code == 204, response.text
    assert int(response.headers["upload-offset"]) == MIB  # every byte of the first PATCH counted


def test_a_silent_patch_on_one_node_gives_way_to_the_resume_on_the_other(nodes, clients):
    """A laptop that slept mid-upload and came back through another node: the old connection
    stays open on the first node, silent; the resume on the second does not wait for it."""
    first, _ = nodes
    a, b = clients
    data = os.urandom(2 * MIB)
    upload = TusUpload.create(a, "lobby", len(data), sha256_b64(data))
    address, port = first.host.rsplit(":", 1)
    with socket.create_connection((address, int(port))) as silent:
        silent.sendall(
            f"PATCH {upload.location} HTTP/1.1\r\nHost: {first.host}\r\nTus-Resumable: 1.0.0\r\n"
            f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data[:MIB]
        )
        on_b = TusUpload(b, upload.location)
        deadline = time.monotonic() + 10
        while (offset := on_b.offset()) < MIB and time.monotonic() < deadline:
            time.sleep(0.1)  # the first node may not have read the bytes yet
        assert offset == MIB
        started = time.monotonic()
        response = on_b.patch(MIB, data[MIB:])
        assert response.status_code == 204, response.text
        assert int(response.headers["upload-offset"]) == len(data)
        assert time.monotonic() - started < TAKEOVER_GRACE_SECONDS + TAKEOVER_POLL_SECONDS + 3


def test_a_rooms_file_limit_counts_the_files_of_every_node(serve_process, postgres_url, tmp_path, shared_dir):
    args = file_host_args(
        tmp_path, "--database", postgres_url, "--files-dir", str(shared_dir), "--max-room-files-mib", "1"
    )
    first = serve_process(data_dir=tmp_path / "first", extra_args=args)
    second = serve_process(data_dir=tmp_path / "second", extra_args=args)
    data = os.urandom(MIB // 2 + 1)
    with (
        httpx.Client(base_url=first.url.rstrip("/")) as a,
        httpx.Client(base_url=second.url.rstrip("/")) as b,
    ):
        upload = TusUpload.create(a, "lobby", len(data), sha256_b64(data))
        assert upload.patch(0, data).status_code == 204
        refused = b.post(
            "/api/uploads", headers=create_headers("lobby", len(data), sha256_b64(b"x"), "b", "text/plain")
        )
        assert refused.status_code == 507, refused.text
        assert refused.json()["detail"]["code"] == "room_files_full"
        fits = b.post(
            "/api/uploads", headers=create_headers("lobby", MIB // 2 - 1, sha256_b64(b"x"), "b", "text/plain")
        )
        assert fits.status_code == 201, fits.text


def test_uploads_are_refused_with_storage_failed_while_the_database_is_away_and_go_on_after(
    serve_process, postgres_cluster, tmp_path
):
    """The test's own PostgreSQL, stopped and started again under a running node."""
    from tests.support.postgres import running_cluster

    with running_cluster(postgres_cluster.bin_dir) as own:
        url = own.create_database()
        node = serve_process(
            data_dir=tmp_path / "node", extra_args=file_host_args(tmp_path, "--database", url)
        )
        data = os.urandom(MIB)
        with httpx.Client(base_url=node.url.rstrip("/"), timeout=30) as client:
            upload = TusUpload.create(client, "lobby", len(data), sha256_b64(data))
            assert upload.patch(0, data[: MIB // 2]).status_code == 204
            own.stop()
            try:
                refused = client.post(
                    "/api/uploads", headers=create_headers("lobby", 10, sha256_b64(b"x"), "b", "text/plain")
                )
                assert refused.status_code == 500
                assert refused.json()["detail"]["code"] == "storage_failed"
                patched = upload.patch(MIB // 2, data[MIB // 2 :])
                assert patched.status_code == 500
                assert patched.json()["detail"]["code"] == "storage_failed"
            finally:
                own.start_server()
            # The node reconnects by itself; the upload goes on from what it kept.
            assert upload.offset() == MIB // 2
            done = upload.patch(MIB // 2, data[MIB // 2 :])
            assert done.status_code == 204, done.text
            assert int(done.headers["upload-offset"]) == MIB


def test_a_member_on_another_node_gets_a_message_with_its_files_every_time(nodes, clients):
    """The message and its files' records commit together, with the notification (the test
    below forces the moment between them; this one posts several in a row)."""
    a, _ = clients
    first, second = nodes
    with connect(f"{second.ws_base}/ws/lobby?v=2&name=Bob") as bob:
        frames_until(bob, lambda f: f["type"] == "welcome")
        for number in range(ROUNDS_WITH_FILES):
            data = f"file {number}".encode()
            upload = TusUpload.create(a, "lobby", len(data), sha256_b64(data), name=f"f{number}.txt")
            assert upload.patch(0, data).status_code == 204
            sent = post_with(first, upload.upload_id)
            assert sent["type"] == "message", sent
            wanted = sent["id"]
            heard = frames_until(
                bob, lambda f, wanted=wanted: f["type"] == "message" and f["id"] == wanted, timeout=10
            )
            assert [f["name"] for f in heard[-1]["attachments"]] == [f"f{number}.txt"], heard[-1]


def waiting_on_locks(db: psycopg.Connection, statement: str) -> int:
    """How many of the database's sessions wait for a lock in a statement starting so."""
    row = db.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
        (f"%{statement}%",),
    ).fetchone()
    return int(row[0]) if row else 0


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.02)


def test_a_message_whose_files_are_held_up_reaches_another_node_with_them_and_in_order(
    nodes, clients, postgres_url
):
    """The moment docs/cluster.md's limit named, forced: the attachments' write of a message is
    held by a lock the test takes on the upload's row, and meanwhile another member posts in the room
    through the other node, whose sequencer must then read the first message as part of the gap.
    The second post waits for the first to commit (the room's position row is locked until its
    files are stored too), so the other node's member gets the message with its file, once,
    before the next."""
    a, _ = clients
    first, second = nodes
    data = b"held up"
    upload = TusUpload.create(a, "lobby", len(data), sha256_b64(data), name="held.txt")
    assert upload.patch(0, data).status_code == 204
    with (
        psycopg.connect(postgres_url, autocommit=True) as watcher,
        psycopg.connect(postgres_url) as holder,
        connect(f"{second.ws_base}/ws/lobby?v=2&name=Bob") as bob,
        connect(f"{second.ws_base}/ws/lobby?v=2&name=Carl") as carl,
        connect(f"{first.ws_base}/ws/lobby?v=2&name=Ann") as ann,
    ):
        for ws in (bob, carl, ann):
            frames_until(ws, lambda f: f["type"] == "welcome")
        heard: list[dict] = []
        # Attaching an upload starts by taking its row: that is where the first node waits.
        holder.execute("SELECT 1 FROM file_uploads WHERE id = %s FOR UPDATE", (upload.upload_id,))
        try:
            with_file = {"type": "message", "sender": "Ann", "text": "", "attachments": [upload.upload_id]}
            ann.send(json.dumps(with_file))
            wait_until(
                lambda: waiting_on_locks(watcher, "DELETE FROM file_uploads") == 1,
                10,
                "the attachment's write waits for the test's lock",
            )
            carl.send(
                json.dumps({"type": "message", "sender": "Carl", "text": "after it", "client_id": "after"})
            )
            # Carl's post waits too (for the room's row), or it went through and Bob has a message.
            wait_until(
                lambda: (
                    waiting_on_locks(watcher, "INSERT INTO room_history") == 1 or _message_came(bob, heard)
                ),
                10,
                "the next post of the room waits for the first",
            )
        finally:
            holder.commit()
        if not any(f["type"] == "message" and f["text"] == "after it" for f in heard):
            heard += frames_until(
                bob, lambda f: f["type"] == "message" and f["text"] == "after it", timeout=10
            )
    messages = [f for f in heard if f["type"] == "message"]
    assert [(m["sender"], m["text"]) for m in messages] == [("Ann", ""), ("Carl", "after it")]
    assert [f["name"] for f in messages[0].get("attachments", [])] == ["held.txt"], messages[0]
    assert messages[0]["id"] < messages[1]["id"]


def _message_came(ws, frames: list[dict]) -> bool:
    """Whether a message frame came (the frames read so far join `frames`)."""
    with contextlib.suppress(TimeoutError):
        frames.append(json.loads(ws.recv(timeout=0)))
    return any(f["type"] == "message" for f in frames)


def attachment_rows(url: str, message_id: int) -> int:
    with psycopg.connect(url) as db:
        row = db.execute(
            "SELECT count(*) FROM file_attachments WHERE room = 'lobby' AND message_id = %s", (message_id,)
        ).fetchone()
    return int(row[0]) if row else 0


def test_admin_delete_drops_the_messages_files_and_a_content_nothing_else_uses(
    nodes, clients, postgres_url, shared_dir
):
    """As a host's delete in the window: the message's attachment records go with it (in its
    transaction, so no download after the command returned), and its content from the shared
    folder once no other message uses it (the nodes do that part, at their next poll)."""
    first, _ = nodes
    data = os.urandom(1000)
    digest = hashlib.sha256(data).hexdigest()
    content = shared_dir / "sha256" / digest[:2] / digest[2:]
    sent = []
    for name in ("first.bin", "same bytes.bin"):
        upload = TusUpload.create(clients[0], "lobby", len(data), sha256_b64(data), name=name)
        assert upload.patch(0, data).status_code == 204
        sent.append(post_with(first, upload.upload_id))
    (one,), (other,) = (frame["attachments"] for frame in sent)

    assert "deleted message" in done(admin(postgres_url, "delete", "lobby", str(sent[0]["id"])))
    assert attachment_rows(postgres_url, sent[0]["id"]) == 0
    for client in clients:
        assert client.get(one["url"]).status_code == 404
        assert client.get(other["url"]).content == data
    time.sleep(STATE_POLL_SECONDS + 1)  # the nodes carried the delete out: the content stays, in use
    assert content.read_bytes() == data

    done(admin(postgres_url, "delete", "lobby", str(sent[1]["id"])))
    for client in clients:
        assert client.get(other["url"]).status_code == 404
    wait_for(lambda: not content.exists(), STATE_POLL_SECONDS + 4, "the unused content to go")


def test_admin_delete_drops_the_files_records_with_no_node_running(nodes, clients, postgres_url, shared_dir):
    """No node to remove the contents: the records go all the same, and `--files-dir` removes
    the contents from the shared folder too (a folder with no files in it is refused)."""
    first, second = nodes
    posted = []
    for data in (b"hello", b"world"):
        upload = TusUpload.create(clients[0], "lobby", len(data), sha256_b64(data), name="file.txt")
        assert upload.patch(0, data).status_code == 204
        posted.append(post_with(first, upload.upload_id)["id"])
    first.stop()
    second.stop()
    hello, world = (shared_dir / "sha256" / d[:2] / d[2:] for d in map(sha256_hex, (b"hello", b"world")))
    assert attachment_rows(postgres_url, posted[0]) == 1

    done(admin(postgres_url, "delete", "lobby", str(posted[0])))
    assert attachment_rows(postgres_url, posted[0]) == 0
    assert hello.exists()  # nobody to remove it (docs/cluster.md)

    elsewhere = shared_dir.parent / "not-the-files"
    elsewhere.mkdir()
    refused = admin(postgres_url, "delete", "lobby", str(posted[1]), "--files-dir", str(elsewhere))
    assert refused.returncode == 1 and "holds no lanchat files" in refused.stderr
    assert list(elsewhere.iterdir()) == [] and attachment_rows(postgres_url, posted[1]) == 1
    done(admin(postgres_url, "delete", "lobby", str(posted[1]), "--files-dir", str(shared_dir)))
    assert attachment_rows(postgres_url, posted[1]) == 0
    assert not world.exists() and hello.exists()


def test_admin_delete_removes_nothing_outside_the_files_folder_whatever_a_row_names(
    nodes, clients, postgres_url, shared_dir, tmp_path
):
    """The contents `lanchat admin delete --files-dir` removes are named by database rows: one
    that names no SHA-256 (a path, which the folder joined would make absolute) removes nothing."""
    first, second = nodes
    upload = TusUpload.create(clients[0], "lobby", 5, sha256_b64(b"hello"), name="file.txt")
    assert upload.patch(0, b"hello").status_code == 204
    posted = post_with(first, upload.upload_id)["id"]
    first.stop()
    second.stop()
    victim = tmp_path / "not-lanchats.txt"
    victim.write_text("keep me")
    with psycopg.connect(postgres_url) as db:
        db.execute(
            "UPDATE file_attachments SET sha256 = %s WHERE room = 'lobby' AND message_id = %s",
            (f"ab{victim}", posted),
        )
    done(admin(postgres_url, "delete", "lobby", str(posted), "--files-dir", str(shared_dir)))
    assert attachment_rows(postgres_url, posted) == 0
    assert victim.read_text() == "keep me"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_one_upload_sent_through_two_nodes_at_once_is_attached_once_and_the_other_message_not_stored(
    nodes, clients, postgres_url
):
    """Both nodes find the upload finished; the first to store its message takes the upload, and
    the second's message, waiting for the room meanwhile, is refused and rolled back whole (no
    message without its file, no file twice)."""
    a, _ = clients
    first, second = nodes
    upload = TusUpload.create(a, "lobby", 4, sha256_b64(b"once"), name="once.txt")
    assert upload.patch(0, b"once").status_code == 204
    with (
        psycopg.connect(postgres_url, autocommit=True) as watcher,
        psycopg.connect(postgres_url) as holder,
        connect(f"{first.ws_base}/ws/lobby?v=2&name=Ann") as ann,
        connect(f"{second.ws_base}/ws/lobby?v=2&name=Bob") as bob,
    ):
        for ws in (ann, bob):
            frames_until(ws, lambda f: f["type"] == "welcome")
        holder.execute("SELECT 1 FROM file_uploads WHERE id = %s FOR UPDATE", (upload.upload_id,))
        try:
            for ws, name in ((ann, "Ann"), (bob, "Bob")):
                ws.send(json.dumps({"type": "message", "sender": name, "text": name, "attachments":
                                    [upload.upload_id], "client_id": f"from-{name}"}))  # fmt: skip
                statement = "DELETE FROM file_uploads" if name == "Ann" else "INSERT INTO room_history"
                wait_until(lambda s=statement: waiting_on_locks(watcher, s) == 1, 10, f"{name}'s post waits")
        finally:
            holder.commit()
        (refused,) = [
            f for f in frames_until(bob, lambda f: f["type"] == "error", 10) if f["type"] == "error"
        ]
        assert (refused["code"], refused["client_id"]) == ("attachment_invalid", "from-Bob")
    history = a.get("/api/rooms/lobby/messages").json()["messages"]
    assert [(m["text"], [f["name"] for f in m["attachments"]]) for m in history] == [("Ann", ["once.txt"])]
