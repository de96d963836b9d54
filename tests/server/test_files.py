"""Files in messages and their downloads (issue 16 items 3, 4, 5) on a real `lanchat serve`."""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import quote

import httpx
import pytest
from PIL import Image
from websockets.sync.client import ClientConnection, connect

from server.protocol.limits import MAX_ATTACHMENTS_PER_MESSAGE
from tests.support.file_host import file_host_args
from tests.support.frames import frames_until
from tests.support.images import jpeg_with_orientation, png_claiming
from tests.support.rooms import PASSWORD
from tests.support.tus_client import TusUpload, sha256_b64


@pytest.fixture(scope="module")
def server(module_serve_process, tmp_path_factory):
    return module_serve_process(extra_args=file_host_args(tmp_path_factory.mktemp("files")))


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url.rstrip("/"), timeout=30) as http:
        yield http


@contextmanager
def member(server, room: str = "lobby", *, rich: bool = True, name: str = "Alice", password: bool = False):
    """A connected member that said hello (v2) or just joined (seed); (socket, entered token)."""
    query = f"?v=2&name={name}" if rich else f"?name={name}"
    with connect(f"{server.ws_base}/ws/{quote(room)}{query}") as ws:
        token = None
        if password:
            ws.send(json.dumps({"type": "password", "password": PASSWORD}))
            token = frames_until(ws, lambda f: f["type"] == "entered")[-1]["token"]
        if rich:
            ws.send(json.dumps({"type": "hello", "secret": secrets.token_urlsafe(32)}))
            frames_until(ws, lambda f: f["type"] == "identified")
        yield ws, token


def uploaded(
    client, data: bytes, room: str = "lobby", name: str = "file.bin", file_type: str = "", token=None
):
    upload = TusUpload.create(
        client, room, len(data), sha256_b64(data), name=name, file_type=file_type, token=token
    )
    response = upload.patch(0, data)
    assert response.status_code == 204, response.text
    return upload.upload_id


def post(ws: ClientConnection, sender: str, text: str, attachments: list[str]) -> dict:
    """Send a message with attachments; the frame it comes back as (or the error frame)."""
    client_id = secrets.token_hex(8)
    ws.send(
        json.dumps(
            {
                "type": "message",
                "sender": sender,
                "text": text,
                "attachments": attachments,
                "client_id": client_id,
            }
        )
    )
    frames = frames_until(
        ws, lambda f: (f["type"] == "message" and f.get("client_id") == client_id) or f["type"] == "error"
    )
    return frames[-1]


def test_a_message_of_files_alone_carries_them_to_rich_and_names_them_to_seed_clients(server, client):
    data = os.urandom(3000)
    upload_id = uploaded(client, data, name="отчёт 1.pdf", file_type="application/pdf")
    with member(server, rich=False, name="Seed") as (seed, _), member(server) as (alice, _):
        frame = post(alice, "Alice", "", [upload_id])
        assert frame["type"] == "message", frame
        assert frame["text"] == ""
        (attachment,) = frame["attachments"]
        assert attachment["name"] == "отчёт 1.pdf"
        assert attachment["size"] == 3000
        assert attachment["type"] == "application/pdf"
        assert attachment["sha256"] == hashlib.sha256(data).hexdigest()
        assert len(attachment["id"]) >= 32 and attachment["id"] != upload_id
        assert attachment["url"] == f"/api/files/{attachment['id']}/{quote('отчёт 1.pdf', safe='')}"
        assert "width" not in attachment and "thumbnail" not in attachment
        seen = frames_until(seed, lambda f: f["type"] == "message" and f["id"] == frame["id"])[-1]
        assert "attachments" not in seen
        assert seen["text"] == f"[file] отчёт 1.pdf (3.0 KB) {attachment['url']}"


def test_a_seed_client_reads_the_text_then_a_line_per_file(server, client):
    first, second = (
        uploaded(client, b"a" * 10, name="a.txt"),
        uploaded(client, b"b" * 2_500_000, name="b.bin"),
    )
    with member(server, rich=False, name="Seed") as (seed, _), member(server) as (alice, _):
        frame = post(alice, "Alice", "two files", [first, second])
        seen = frames_until(seed, lambda f: f["type"] == "message" and f["id"] == frame["id"])[-1]
        urls = [a["url"] for a in frame["attachments"]]
        assert (
            seen["text"] == f"two files\n[file] a.txt (10 bytes) {urls[0]}\n[file] b.bin (2.5 MB) {urls[1]}"
        )


def test_only_a_finished_verified_upload_of_this_room_is_attachable_and_only_once(server, client):
    with member(server) as (alice, _):
        unfinished = TusUpload.create(client, "lobby", 10, sha256_b64(b"0123456789"))
        unfinished.patch(0, b"01234")
        assert post(alice, "Alice", "", [unfinished.upload_id])["code"] == "attachment_invalid"
        elsewhere = uploaded(client, b"x" * 5, room="other")
        assert post(alice, "Alice", "", [elsewhere])["code"] == "attachment_invalid"
        corrupt = TusUpload.create(client, "lobby", 4, sha256_b64(b"good"))
        assert corrupt.patch(0, b"evil").status_code == 460
        assert post(alice, "Alice", "", [corrupt.upload_id])["code"] == "attachment_invalid"
        done = uploaded(client, b"y" * 5)
        assert post(alice, "Alice", "", [done])["type"] == "message"
        assert post(alice, "Alice", "", [done])["code"] == "attachment_invalid"
        assert post(alice, "Alice", "", ["nope"] * 2)["code"] == "attachment_invalid"
        many = [f"id{index}" for index in range(MAX_ATTACHMENTS_PER_MESSAGE + 1)]
        assert post(alice, "Alice", "", many)["code"] == "too_many_attachments"
        assert post(alice, "Alice", "", [])["code"] == "text_empty"


def test_history_pages_and_a_resume_carry_the_attachments(server, client):
    upload_id = uploaded(client, b"history" * 100, room="kept", name="kept.txt")
    with member(server, room="kept") as (alice, _):
        frame = post(alice, "Alice", "keep", [upload_id])
    page = client.get("/api/rooms/kept/messages").json()["messages"]
    assert page[-1]["attachments"] == frame["attachments"]
    with connect(f"{server.ws_base}/ws/kept?v=2&after={frame['id'] - 1}") as again:
        replayed = frames_until(again, lambda f: f["type"] == "message")[-1]
        assert replayed["attachments"] == frame["attachments"]


def attach(server, client, data: bytes, name: str, file_type: str = "", room: str = "lobby") -> dict:
    upload_id = uploaded(client, data, room=room, name=name, file_type=file_type)
    with member(server, room=room) as (alice, _):
        frame = post(alice, "Alice", "", [upload_id])
    return frame["attachments"][0]


def test_a_download_names_the_file_as_sent_and_is_never_a_page(server, client):
    data = os.urandom(5000)
    attachment = attach(server, client, data, 'отчёт "1".pdf', "application/pdf")
    response = client.get(attachment["url"])
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("sandbox")
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"_____ _1_.pdf\"; filename*=UTF-8''" + quote('отчёт "1".pdf', safe="")
    )
    assert response.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize(
    ("name", "body", "file_type"),
    [
        ("page.html", b"<html><script>alert(document.cookie)</script></html>", "text/html"),
        (
            "image.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
    ],
)
def test_html_and_svg_are_sent_as_attachments_with_nosniff(server, client, name, body, file_type):
    attachment = attach(server, client, body, name, file_type)
    assert attachment["type"] == file_type  # kept as metadata
    assert "thumbnail" not in attachment
    response = client.get(attachment["url"])
    assert response.content == body
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


def test_a_range_request_resumes_a_download(server, client):
    data = os.urandom(200_000)
    attachment = attach(server, client, data, "big.bin")
    first = client.get(attachment["url"], headers={"Range": "bytes=0-99999"})
    assert first.status_code == 206
    rest = client.get(attachment["url"], headers={"Range": "bytes=100000-"})
    assert rest.status_code == 206
    assert rest.headers["content-range"] == "bytes 100000-199999/200000"
    assert first.content + rest.content == data


def test_an_image_is_previewed_upright_with_its_size_in_the_frame(server, client):
    attachment = attach(server, client, jpeg_with_orientation(1200, 600, 6), "photo.jpg", "image/jpeg")
    assert (attachment["width"], attachment["height"], attachment["thumbnail"]) == (600, 1200, True)
    thumbnail = client.get(f"/api/files/{attachment['id']}/thumbnail")
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/webp"
    assert thumbnail.headers["x-content-type-options"] == "nosniff"
    with Image.open(io.BytesIO(thumbnail.content)) as made:
        assert made.size[0] < made.size[1]  # upright
    full = client.get(attachment["url"])
    assert full.headers["content-type"] == "image/jpeg"
    assert full.headers["content-disposition"].startswith("inline;")


def test_a_decompression_bomb_is_refused_a_preview_and_the_host_stays_healthy(server, client):
    attachment = attach(server, client, png_claiming(40_000, 40_000), "bomb.png", "image/png")
    assert "thumbnail" not in attachment and "width" not in attachment
    assert client.get(f"/api/files/{attachment['id']}/thumbnail").json()["detail"]["code"] == "file_not_found"
    response = client.get(attachment["url"])
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert client.get("/api/health").json()["status"] == "ok"


def test_an_unknown_file_id_is_not_found(client):
    response = client.get("/api/files/" + secrets.token_urlsafe(24) + "/x.txt")
    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "file_not_found"


def test_a_private_rooms_file_is_refused_to_a_non_member_and_given_to_a_member(server, client):
    with member(server, room="team", password=True) as (alice, token):
        upload_id = uploaded(client, b"secret plans", room="team", name="plans.txt", token=token)
        frame = post(alice, "Alice", "", [upload_id])
    url = frame["attachments"][0]["url"]
    refused = client.get(url)
    assert refused.status_code == 403
    assert refused.json()["detail"]["code"] == "password_required"
    assert client.get(url, headers={"X-Lanchat-Room-Token": "made-up"}).status_code == 403
    assert client.get(url, headers={"X-Lanchat-Room-Token": token}).content == b"secret plans"
    # The cookie way, for <img> and links: it opens this room's files, and only for a member.
    assert client.post("/api/rooms/team/access").status_code == 403
    granted = client.post("/api/rooms/team/access", headers={"X-Lanchat-Room-Token": token})
    assert granted.status_code == 204
    cookie = granted.headers["set-cookie"]
    assert cookie.startswith(f"lanchat_files_{server.port}_")  # no other port of this host gets it
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/api/files/" in cookie
    assert client.get(url).content == b"secret plans"
    client.cookies.clear()
    assert client.get(url).status_code == 403


def test_deleting_the_message_removes_its_file_once_nothing_else_refers_to_it(server, client):
    data = os.urandom(4096)
    digest = hashlib.sha256(data).hexdigest()
    content = server.data_dir / "files" / "sha256" / digest[:2] / digest[2:]
    with member(server, room="gone") as (alice, _):
        first = post(alice, "Alice", "", [uploaded(client, data, room="gone")])
        second = post(alice, "Alice", "", [uploaded(client, data, room="gone")])
        assert content.exists()
        alice.send(json.dumps({"type": "delete", "id": first["id"]}))
        update = frames_until(alice, lambda f: f["type"] == "update")[-1]
        assert "attachments" not in update["message"]
        assert client.get(first["attachments"][0]["url"]).status_code == 404
        assert (
            client.get(second["attachments"][0]["url"]).content == data
        )  # the same bytes, still referred to
        alice.send(json.dumps({"type": "delete", "id": second["id"]}))
        frames_until(alice, lambda f: f["type"] == "update")
    assert not content.exists()


# What decoding may add to the host's peak memory while it inspects images no bigger than a few
# hundred bytes: a 2 KB WebP claiming 7,070 x 7,070 pixels once raised it from 108 MB to 1.1 GB.
TINY_BOMB_PEAK_MIB = 64


def _peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_tiny_images_claiming_huge_canvases_leave_the_hosts_peak_memory_within_its_bound(
    serve_process, tmp_path
):
    process = serve_process(extra_args=file_host_args(tmp_path))
    bombs = []
    for color in ((200, 30, 30), (30, 200, 30), (30, 30, 200)):  # three contents, not one
        canvas = io.BytesIO()
        Image.new("RGB", (7070, 7070), color).save(canvas, "WEBP", lossless=True, method=0)
        bombs.append(canvas.getvalue())
    assert all(len(bomb) < 2048 for bomb in bombs)
    with httpx.Client(base_url=process.url.rstrip("/"), timeout=60) as http:
        uploaded(http, b"warm up", name="warm.txt")  # the file store's own first costs
        before = _peak_rss_mib(process.process.pid)
        with ThreadPoolExecutor(len(bombs)) as pool:  # at once, as three clients would
            ids = list(
                pool.map(lambda bomb: uploaded(http, bomb, name="tiny.webp", file_type="image/webp"), bombs)
            )
        peak = _peak_rss_mib(process.process.pid)
        with member(process) as (alice, _):
            frame = post(alice, "Alice", "", ids)
    assert peak - before < TINY_BOMB_PEAK_MIB, (before, peak)
    assert all("thumbnail" not in attachment for attachment in frame["attachments"])  # plain downloads
