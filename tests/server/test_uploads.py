"""Uploads (issue 16 items 2 and 3) on a real `lanchat serve`, through tus 1.0 over real HTTP."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from server.files.store import MAX_FILE_NAME_CHARS
from tests.support.file_host import file_host_args
from tests.support.rooms import PASSWORD
from tests.support.tus_client import TUS, TusUpload, create_headers, cut_patch, sha256_b64

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def server(module_serve_process, tmp_path_factory):
    # A short head deadline, so the test that streams a body for longer than it runs quickly.
    args = file_host_args(tmp_path_factory.mktemp("uploads"), "--request-head-timeout", "1")
    return module_serve_process(extra_args=args)


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url.rstrip("/"), timeout=30) as http:
        yield http


def files_dir(server) -> Path:
    return server.data_dir / "files"


def upload_whole(client, data: bytes, room: str = "lobby", name: str = "file.bin", token=None) -> TusUpload:
    upload = TusUpload.create(client, room, len(data), sha256_b64(data), name=name, token=token)
    response = upload.patch(0, data)
    assert response.status_code == 204, response.text
    assert int(response.headers["upload-offset"]) == len(data)
    return upload


def room_token(server, room: str = "team") -> str:
    with connect(f"{server.ws_base}/ws/{room}?v=2&name=Alice") as ws:
        ws.send(json.dumps({"type": "password", "password": PASSWORD}))
        while True:
            frame = json.loads(ws.recv(timeout=5))
            if frame["type"] == "entered":
                return str(frame["token"])


def test_the_host_announces_tus_1_0_with_its_extensions_and_max_size(client):
    response = client.options("/api/uploads")
    assert response.status_code == 204
    assert response.headers["tus-version"] == "1.0.0"
    assert set(response.headers["tus-extension"].split(",")) == {"creation", "termination", "expiration"}
    assert int(response.headers["tus-max-size"]) == 4 * 1024**3


def test_an_upload_is_created_resumed_from_the_hosts_offset_and_stored_by_its_hash(server, client):
    data = os.urandom(3 * MIB + 7)
    upload = TusUpload.create(client, "lobby", len(data), sha256_b64(data))
    assert upload.location.startswith("/api/uploads/")
    assert upload.offset() == 0
    assert upload.patch(0, data[:MIB]).status_code == 204
    assert upload.offset() == MIB
    response = upload.patch(MIB, data[MIB:])
    assert response.status_code == 204
    assert int(response.headers["upload-offset"]) == len(data)
    assert upload.offset() == len(data)
    digest = hashlib.sha256(data).hexdigest()
    stored = files_dir(server) / "sha256" / digest[:2] / digest[2:]
    assert stored.read_bytes() == data


def test_a_patch_at_another_offset_is_refused_with_the_hosts_offset(client):
    data = os.urandom(1000)
    upload = TusUpload.create(client, "lobby", len(data), sha256_b64(data))
    upload.patch(0, data[:100])
    response = upload.patch(50, data[50:])
    assert response.status_code == 409
    assert response.json()["detail"]["code"] == "offset_mismatch"
    assert response.json()["detail"]["offset"] == 100


def test_a_request_without_tus_resumable_is_refused_with_the_version_the_host_speaks(client):
    response = client.post("/api/uploads", headers={"Upload-Length": "10"})
    assert response.status_code == 412
    assert response.headers["tus-version"] == "1.0.0"


def test_a_cancelled_upload_is_gone_with_its_bytes(server, client):
    data = os.urandom(5000)
    upload = TusUpload.create(client, "lobby", len(data), sha256_b64(data))
    upload.patch(0, data[:2000])
    assert (files_dir(server) / "partial" / upload.upload_id).stat().st_size == 2000
    assert client.delete(upload.location, headers=TUS).status_code == 204
    assert client.head(upload.location, headers=TUS).status_code == 404
    assert not (files_dir(server) / "partial" / upload.upload_id).exists()


def test_a_connection_cut_mid_patch_keeps_what_arrived_and_the_resume_sends_only_the_rest(server, client):
    data = os.urandom(64 * MIB)
    upload = TusUpload.create(client, "lobby", len(data), sha256_b64(data))
    sent = 40 * MIB + 12345
    cut_patch(server.host, upload.location, 0, len(data), data[:sent])
    assert upload.offset() == sent  # HEAD waits for the cut PATCH to settle
    response = upload.patch(sent, data[sent:])
    assert response.status_code == 204, response.text
    assert int(response.headers["upload-offset"]) == len(data)
    digest = hashlib.sha256(data).hexdigest()
    assert (
        hashlib.sha256((files_dir(server) / "sha256" / digest[:2] / digest[2:]).read_bytes()).hexdigest()
        == digest
    )


@pytest.mark.serial
def test_a_patch_whose_connection_went_silent_gives_way_to_the_resume_at_once(server, client):
    """A laptop that slept: its old connection stays open with no byte coming; the resumed
    upload on a new connection does not wait for the host's idle timeout."""
    data = os.urandom(2 * MIB)
    upload = TusUpload.create(client, "lobby", len(data), sha256_b64(data))
    address, port = server.host.rsplit(":", 1)
    with socket.create_connection((address, int(port))) as silent:
        silent.sendall(
            f"PATCH {upload.location} HTTP/1.1\r\nHost: {server.host}\r\nTus-Resumable: 1.0.0\r\n"
            f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data[:MIB]
        )
        started = time.monotonic()
        offset = upload.offset()
        if offset == 0:  # this HEAD came before the host even read the PATCH: ask again
            offset = upload.offset()
        assert offset == MIB  # the old PATCH let go and kept what it had
        assert time.monotonic() - started < 4
        response = upload.patch(MIB, data[MIB:])
        assert response.status_code == 204, response.text
        assert int(response.headers["upload-offset"]) == len(data)


def test_an_upload_resumes_after_the_host_restarts_by_rehashing_what_it_had(tmp_path):
    from tests.support.server_process import ServeProcess

    process = ServeProcess(tmp_path / "data", extra_args=("--min-free-disk-mib", "0")).start()
    try:
        data = os.urandom(3 * MIB)
        with httpx.Client(base_url=process.url.rstrip("/")) as http:
            upload = TusUpload.create(http, "lobby", len(data), sha256_b64(data))
            upload.patch(0, data[: 2 * MIB])
        process.stop()
        process.start()
        with httpx.Client(base_url=process.url.rstrip("/")) as http:
            upload.client = http
            assert upload.offset() == 2 * MIB
            response = upload.patch(2 * MIB, data[2 * MIB :])
            assert response.status_code == 204, response.text
            assert int(response.headers["upload-offset"]) == len(data)
    finally:
        process.stop()


def test_a_file_whose_hash_is_not_the_declared_one_fails_and_is_removed(server, client):
    data = os.urandom(10_000)
    upload = TusUpload.create(client, "lobby", len(data), sha256_b64(b"something else"))
    response = upload.patch(0, data)
    assert response.status_code == 460
    assert response.json()["detail"]["code"] == "checksum_mismatch"
    assert client.head(upload.location, headers=TUS).status_code == 404
    assert not (files_dir(server) / "partial" / upload.upload_id).exists()
    digest = hashlib.sha256(data).hexdigest()
    assert not (files_dir(server) / "sha256" / digest[:2] / digest[2:]).exists()


def test_an_upload_without_a_sha256_is_refused(client):
    headers = create_headers("lobby", 10, "", "a.txt", "text/plain")
    response = client.post("/api/uploads", headers=headers)
    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "checksum_missing"


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "C:\\x", "..", "/etc/shadow", "x" * MAX_FILE_NAME_CHARS]
)
def test_a_path_in_a_file_name_is_only_metadata(server, client, name):
    data = name.encode() + os.urandom(16)
    upload_whole(client, data, name=name)
    digest = hashlib.sha256(data).hexdigest()
    assert (files_dir(server) / "sha256" / digest[:2] / digest[2:]).read_bytes() == data
    for path in server.data_dir.rglob("*"):  # nothing named after it anywhere
        assert name not in str(path.relative_to(server.data_dir))
    assert not (server.data_dir.parent / "etc").exists()


@pytest.mark.parametrize(
    "name",
    [
        "a\x00b",
        "line\nbreak",
        "x" * (MAX_FILE_NAME_CHARS + 1),
        "   ",
        "invoice\u202efdp.exe",  # shows as "invoiceexe.pdf"
        "report\u200b.pdf",
        "photo\u034f.jpg",
    ],
    ids=["nul", "newline", "long", "blank", "right-to-left-override", "zero-width-space", "grapheme-joiner"],
)
def test_a_file_name_with_control_characters_or_too_long_is_refused(client, name):
    response = client.post(
        "/api/uploads", headers=create_headers("lobby", 10, sha256_b64(b"x"), name, "text/plain")
    )
    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "file_name_invalid"


@pytest.mark.parametrize(
    "name", ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.txt", "\u2764\ufe0f.png", "отчёт.pdf"]
)
def test_a_file_name_a_script_needs_is_kept(client, name):
    response = client.post(
        "/api/uploads", headers=create_headers("lobby", 1, sha256_b64(b"x"), name, "text/plain")
    )
    assert response.status_code == 201


def test_an_empty_patch_does_not_keep_an_upload_and_a_patch_with_bytes_answers_its_new_expiry(client):
    upload = TusUpload.create(client, "lobby", 10, sha256_b64(b"0123456789"))
    created = client.head(upload.location, headers=upload.headers()).headers["upload-expires"]
    time.sleep(1.1)  # Upload-Expires counts whole seconds
    assert upload.patch(0, b"").status_code == 204
    assert client.head(upload.location, headers=upload.headers()).headers["upload-expires"] == created
    answer = upload.patch(0, b"01234")
    renewed = client.head(upload.location, headers=upload.headers()).headers["upload-expires"]
    assert renewed != created and answer.headers["upload-expires"] == renewed


def test_a_patch_that_sends_more_than_the_length_is_refused(client):
    upload = TusUpload.create(client, "lobby", 10, sha256_b64(b"0123456789"))
    response = upload.patch(0, b"0123456789ABC")
    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "upload_too_long"
    assert upload.offset() == 0


def test_a_private_rooms_upload_needs_the_rooms_token(server, client):
    data = os.urandom(100)
    response = client.post(
        "/api/uploads", headers=create_headers("team", len(data), sha256_b64(data), "a", "b/c")
    )
    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "password_required"
    token = room_token(server)
    upload = TusUpload.create(client, "team", len(data), sha256_b64(data), token=token)
    # Its location alone is not enough to touch it.
    assert client.head(upload.location, headers=TUS).status_code == 403
    refused = client.patch(
        upload.location,
        headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        content=data,
    )
    assert refused.status_code == 403
    assert upload.patch(0, data).status_code == 204


def test_a_page_from_a_web_site_may_not_upload(client):
    headers = {**create_headers("lobby", 10, sha256_b64(b"x"), "a", "b/c"), "Origin": "https://evil.example"}
    response = client.post("/api/uploads", headers=headers)
    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "origin_not_allowed"


def trickled(data: bytes, pause: float, piece: int = 10 * 1024) -> Iterator[bytes]:
    """A request body sent `piece` bytes at a time, `pause` seconds before each."""
    for start in range(0, len(data), piece):
        time.sleep(pause)
        yield data[start : start + piece]


def test_an_upload_body_streams_past_the_request_head_deadline(client):
    """The host's head deadline is 1 s here; a PATCH whose body takes 2.5 s still goes through."""
    data = os.urandom(50 * 1024)
    upload = TusUpload.create(client, "lobby", len(data), sha256_b64(data))
    response = upload.patch(0, trickled(data, pause=0.5))
    assert response.status_code == 204
    assert int(response.headers["upload-offset"]) == len(data)


@pytest.mark.serial
def test_other_request_bodies_still_have_the_head_deadline(server):
    address, port = server.host.rsplit(":", 1)
    with socket.create_connection((address, int(port)), timeout=5) as conn:
        conn.sendall(
            f"POST /api/uploads HTTP/1.1\r\nHost: {server.host}\r\nContent-Length: 100\r\n\r\nab".encode()
        )
        started = time.monotonic()
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    # Answered (it is no upload), then closed at the 1 s deadline though its body never came.
    assert answer.startswith(b"HTTP/1.1 412")
    assert time.monotonic() - started < 3


@pytest.mark.serial
def test_an_upload_body_that_pauses_too_long_is_closed_and_keeps_its_bytes(serve_process):
    process = serve_process(extra_args=("--upload-idle-timeout", "1", "--min-free-disk-mib", "0"))
    data = os.urandom(100_000)
    with httpx.Client(base_url=process.url.rstrip("/")) as http:
        upload = TusUpload.create(http, "lobby", len(data), sha256_b64(data))
        address, port = process.host.rsplit(":", 1)
        with socket.create_connection((address, int(port)), timeout=10) as conn:
            conn.sendall(
                f"PATCH {upload.location} HTTP/1.1\r\nHost: {process.host}\r\nTus-Resumable: 1.0.0\r\n"
                f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                f"Content-Length: {len(data)}\r\n\r\n".encode()
                + data[:30_000]
            )
            started = time.monotonic()
            assert conn.recv(4096) == b""  # closed by the host, no answer
            assert 0.9 < time.monotonic() - started < 5
        assert upload.offset() == 30_000


def test_an_upload_body_that_keeps_coming_outlasts_the_pause_limit_many_times(serve_process):
    """Pauses of 0.3 s under a 1 s limit, for 2.4 s: each byte starts the pause again."""
    process = serve_process(extra_args=("--upload-idle-timeout", "1", "--min-free-disk-mib", "0"))
    data = os.urandom(80 * 1024)
    with httpx.Client(base_url=process.url.rstrip("/"), timeout=30) as http:
        upload = TusUpload.create(http, "lobby", len(data), sha256_b64(data))
        response = upload.patch(0, trickled(data, pause=0.3))
    assert response.status_code == 204, response.text
    assert int(response.headers["upload-offset"]) == len(data)


@pytest.mark.serial
def test_a_running_host_removes_an_abandoned_upload_after_the_expiry_and_keeps_one_still_sent(
    serve_process,
):
    """Expiry 3 s, swept every 0.5 s, and no upload created after the two: the one cut off
    half-way goes (its part file too); the one that gets a piece every 0.5 s stays and finishes."""
    expiry = 3.0
    process = serve_process(
        extra_args=(
            "--upload-expiry-seconds",
            str(expiry),
            "--upload-sweep-seconds",
            "0.5",
            "--min-free-disk-mib",
            "0",
        )
    )
    partial = process.data_dir / "files" / "partial"
    kept_data, abandoned_data = os.urandom(64 * 1024), os.urandom(MIB)
    with httpx.Client(base_url=process.url.rstrip("/"), timeout=30) as http:
        kept = TusUpload.create(http, "lobby", len(kept_data), sha256_b64(kept_data))
        abandoned = TusUpload.create(http, "lobby", len(abandoned_data), sha256_b64(abandoned_data))
        cut_patch(process.host, abandoned.location, 0, len(abandoned_data), abandoned_data[: MIB // 2])
        cut_at = time.monotonic()
        piece, sent = 4096, 0
        while True:
            response = kept.patch(sent, kept_data[sent : sent + piece])
            assert response.status_code == 204, response.text
            sent += piece
            gone = http.head(abandoned.location, headers=TUS)
            if gone.status_code == 404:
                break
            assert gone.status_code == 200
            assert int(gone.headers["upload-offset"]) == MIB // 2
            assert time.monotonic() - cut_at < expiry + 5, "the abandoned upload is still there"
            time.sleep(0.5)
        assert time.monotonic() - cut_at > expiry - 0.5  # not long before its time either
        resumed = abandoned.patch(MIB // 2, abandoned_data[MIB // 2 :])  # HEAD's 404 has no body
        assert resumed.status_code == 404
        assert resumed.json()["detail"] == {
            "code": "upload_not_found",
            "detail": "No such upload: it was finished, cancelled, expired or failed.",
        }
        assert not (partial / abandoned.upload_id).exists()
        assert (partial / kept.upload_id).exists()
        assert kept.offset() == sent
        assert kept.patch(sent, kept_data[sent:]).status_code == 204
        assert http.get("/api/health").json()["status"] == "ok"


def test_a_file_at_the_size_limit_is_accepted_and_one_byte_more_refused(serve_process):
    process = serve_process(extra_args=("--max-file-mib", "1", "--min-free-disk-mib", "0"))
    with httpx.Client(base_url=process.url.rstrip("/")) as http:
        at_limit = http.post(
            "/api/uploads", headers=create_headers("lobby", MIB, sha256_b64(b""), "a", "b/c")
        )
        assert at_limit.status_code == 201
        over = http.post(
            "/api/uploads", headers=create_headers("lobby", MIB + 1, sha256_b64(b""), "a", "b/c")
        )
        assert over.status_code == 413
        assert over.json()["detail"] == {
            "code": "file_too_large",
            "detail": f"The file has {MIB + 1} bytes; at most {MIB} are allowed.",
            "max_bytes": MIB,
        }


def test_a_room_past_its_files_limit_refuses_a_new_upload(serve_process):
    process = serve_process(extra_args=("--max-room-files-mib", "2", "--min-free-disk-mib", "0"))
    with httpx.Client(base_url=process.url.rstrip("/")) as http:
        upload_whole(http, os.urandom(2 * MIB), room="r1")  # what arrived is what counts
        refused = http.post("/api/uploads", headers=create_headers("r1", 1, sha256_b64(b""), "a", "b"))
        assert refused.status_code == 507
        assert refused.json()["detail"]["code"] == "room_files_full"
        assert (
            http.post("/api/uploads", headers=create_headers("r2", 1, sha256_b64(b""), "a", "b")).status_code
            == 201
        )


def _mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")


def test_a_full_disk_refuses_the_upload_clearly_and_the_host_stays_healthy(serve_process, tmp_path):
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "8m")
    try:
        process = serve_process(data_dir=disk / "data", extra_args=("--min-free-disk-mib", "0"))
        base = process.url.rstrip("/")
        with httpx.Client(base_url=base, timeout=30) as http:
            # Larger than the disk: refused when it is created, before a byte is sent.
            too_big = http.post(
                "/api/uploads", headers=create_headers("lobby", 9 * MIB, sha256_b64(b""), "a", "b")
            )
            assert too_big.status_code == 507
            assert too_big.json()["detail"]["code"] == "storage_full"
            # It fits when created, then something else fills the disk while it is sent.
            data = os.urandom(4 * MIB)
            upload = TusUpload.create(http, "lobby", len(data), sha256_b64(data))
            filler = disk / "filler"
            with filler.open("wb") as fill:
                try:
                    while True:
                        fill.write(b"\0" * 256 * 1024)
                        fill.flush()
                except OSError:
                    pass
            response = upload.patch(0, data)
            assert response.status_code == 507, response.text
            assert response.json()["detail"]["code"] == "storage_full"
            assert http.get("/api/health").json()["status"] == "ok"
            # Space freed: the upload resumes from what the host kept and completes.
            filler.unlink()
            offset = upload.offset()
            assert 0 <= offset < len(data)
            response = upload.patch(offset, data[offset:])
            assert response.status_code == 204, response.text
            assert int(response.headers["upload-offset"]) == len(data)
        process.stop()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_uploads_an_address_leaves_unfinished_are_capped(serve_process):
    from server.files.store import MAX_UPLOADS_PER_ADDRESS

    process = serve_process(extra_args=("--min-free-disk-mib", "0"))
    with httpx.Client(base_url=process.url.rstrip("/")) as http:
        headers = create_headers("lobby", 10, sha256_b64(b""), "a", "b")
        for _ in range(MAX_UPLOADS_PER_ADDRESS):
            assert http.post("/api/uploads", headers=headers).status_code == 201
        refused = http.post("/api/uploads", headers=headers)
        assert refused.status_code == 429
        assert refused.json()["detail"]["code"] == "too_many_uploads"


def test_a_page_of_another_lanchat_on_the_network_may_upload_across_origins(client):
    origin = "http://192.168.1.20:8765"
    preflight = client.options(
        "/api/uploads/some-id",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "tus-resumable,upload-offset,content-type,x-lanchat-room-token",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    created = client.post(
        "/api/uploads", headers={**create_headers("lobby", 1, sha256_b64(b"x"), "a", "b/c"), "Origin": origin}
    )
    assert created.status_code == 201
    exposed = created.headers["access-control-expose-headers"].lower()
    assert "location" in exposed and "upload-offset" in exposed
