"""X-Forwarded-For names the client only when it comes from a proxy the host named
(`--trusted-proxy`): from anyone else it is ignored, as before there was the flag, so a page or
a peer cannot claim another address. The address is read back from the upload it made."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from server.files.index import DB_FILE
from tests.support.tus_client import create_headers, sha256_b64

pytestmark = pytest.mark.process


def address_recorded(server, forwarded_for: str) -> str | None:
    headers = {
        **create_headers("lobby", 10, sha256_b64(b"x"), "a.txt", "text/plain"),
        "X-Forwarded-For": forwarded_for,
    }
    response = httpx.post(f"{server.url}api/uploads", headers=headers)
    assert response.status_code == 201, response.text
    upload_id = response.headers["location"].rsplit("/", 1)[1]
    with sqlite3.connect(server.data_dir / "files" / DB_FILE) as db:
        (address,) = db.execute("SELECT address FROM uploads WHERE id = ?", (upload_id,)).fetchone()
    return address


def test_a_forwarded_address_from_a_client_not_named_as_a_proxy_is_ignored(serve_process):
    server = serve_process(extra_args=("--min-free-disk-mib", "0"))
    assert address_recorded(server, "10.9.9.9") == "127.0.0.1"


def test_a_forwarded_address_from_a_trusted_proxy_is_the_client(serve_process):
    server = serve_process(extra_args=("--min-free-disk-mib", "0", "--trusted-proxy", "127.0.0.1"))
    assert address_recorded(server, "10.9.9.9") == "10.9.9.9"
