"""`lanchat migrate` brings a host's files along: a host on SQLite with a message carrying a file
and an image, and an upload finished but not yet sent, is stopped and migrated with
`--files-dir`; a cluster node on that database and folder serves the same attachments (bytes and
thumbnail), and the finished upload can still be sent. Without `--files-dir` nothing is copied."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys

import httpx
import pytest
from websockets.sync.client import connect

from tests.support.file_host import file_host_args
from tests.support.frames import frames_until
from tests.support.images import png_bytes
from tests.support.tus_client import TusUpload, sha256_b64

pytestmark = pytest.mark.process


def migrate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", "migrate", *args], capture_output=True, text=True, timeout=120
    )


def uploaded(client: httpx.Client, data: bytes, name: str, file_type: str) -> str:
    upload = TusUpload.create(client, "lobby", len(data), sha256_b64(data), name=name, file_type=file_type)
    assert upload.patch(0, data).status_code == 204
    return upload.upload_id


def post(node, text: str, attachments: list[str]) -> dict:
    with connect(f"{node.ws_base}/ws/lobby?v=2&name=Ann") as ws:
        frames_until(ws, lambda f: f["type"] == "welcome")
        client_id = secrets.token_hex(8)
        message = {"type": "message", "sender": "Ann", "text": text, "attachments": attachments}
        ws.send(json.dumps({**message, "client_id": client_id}))
        return frames_until(
            ws, lambda f: (f["type"] == "message" and f.get("client_id") == client_id) or f["type"] == "error"
        )[-1]


def test_a_migrated_hosts_files_download_from_a_cluster_node(serve_process, postgres_url, tmp_path):
    old = tmp_path / "old"
    old_host = serve_process(data_dir=old, extra_args=file_host_args(tmp_path))
    report, picture, later = os.urandom(50_000), png_bytes(640, 480), os.urandom(1234)
    with httpx.Client(base_url=old_host.url.rstrip("/")) as client:
        ids = [
            uploaded(client, report, "report.pdf", "application/pdf"),
            uploaded(client, picture, "photo.png", "image/png"),
        ]
        pending = uploaded(client, later, "later.bin", "application/octet-stream")
    frame = post(old_host, "the files", ids)
    assert frame["type"] == "message", frame
    assert old_host.stop() == 0

    shared = tmp_path / "shared-files"
    refused = migrate("--from", str(old), "--to", postgres_url)
    assert refused.returncode == 1
    assert "the host keeps 3 files: give --files-dir" in refused.stderr

    done = migrate("--from", str(old), "--to", postgres_url, "--files-dir", str(shared))
    assert done.returncode == 0, done.stderr
    assert "2  attachments" in done.stdout
    assert "1  uploads finished but not sent" in done.stdout
    assert f"3  files' contents copied into {shared}" in done.stdout

    node_args = file_host_args(tmp_path, "--database", postgres_url, "--files-dir", str(shared))
    node = serve_process(data_dir=tmp_path / "node", extra_args=node_args)
    with httpx.Client(base_url=node.url.rstrip("/")) as client:
        (message,) = client.get("/api/rooms/lobby/messages").json()["messages"]
        assert message["attachments"] == frame["attachments"]
        pdf, png = message["attachments"]
        assert client.get(pdf["url"]).content == report
        assert hashlib.sha256(client.get(png["url"]).content).hexdigest() == png["sha256"]
        assert png.get("thumbnail") is True
        thumbnail = client.get(f"/api/files/{png['id']}/thumbnail")
        assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/webp"
    sent = post(node, "sent after the move", [pending])
    assert sent["type"] == "message", sent
    assert [a["name"] for a in sent["attachments"]] == ["later.bin"]
