"""docs/cluster/nginx.conf, run as it is documented (its EDIT lines naming this test's nodes) in
front of two real `lanchat serve` nodes on one real PostgreSQL and one files folder, all sharing
one certificate: nginx ends the clients' TLS with it and speaks TLS to the nodes, checked against
it. A WebSocket member through nginx chats with a member on its node directly; an upload through
nginx goes on when nginx sends its next PATCH to the other node; a file downloads through nginx;
and the nodes see the client's address (they trust nginx's X-Forwarded-For), not nginx's.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import socket
import ssl
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.support.frames import frames_until
from tests.support.nginx import CLUSTER_NAME, NODE_HEADER, Nginx, nodes_behind_nginx
from tests.support.tus_client import TusUpload, sha256_b64

pytestmark = pytest.mark.process

NAME = CLUSTER_NAME
# The client's own address on loopback, so it differs from nginx's (127.0.0.1) on the nodes.
CLIENT_ADDRESS = "127.0.0.2"
KIB = 1024


@pytest.fixture
def cluster(serve_process, postgres_url, tmp_path) -> Iterator[tuple[Nginx, list, ssl.SSLContext]]:
    with nodes_behind_nginx(serve_process, postgres_url, tmp_path) as (nginx, nodes, cert):
        yield nginx, nodes, ssl.create_default_context(cafile=str(cert))


def node_answering(nodes: list, upstream: str):
    (node,) = [node for node in nodes if upstream.endswith(f":{node.port}")]
    return node


def through_nginx(nginx: Nginx, trust: ssl.SSLContext, path: str) -> ClientConnection:
    """A WebSocket to the cluster by its name, from CLIENT_ADDRESS, over TLS checked against the
    cluster's certificate."""
    sock = socket.create_connection(("127.0.0.1", nginx.port), source_address=(CLIENT_ADDRESS, 0))
    return connect(f"wss://{NAME}:{nginx.port}{path}", sock=sock, ssl=trust, server_hostname=NAME)


def http_client(nginx: Nginx, trust: ssl.SSLContext) -> httpx.Client:
    transport = httpx.HTTPTransport(verify=trust, local_address=CLIENT_ADDRESS)
    # Addressed by its name: nginx and the nodes see Host chat.lanchat.test:PORT, as a browser sends.
    return httpx.Client(
        base_url=f"https://127.0.0.1:{nginx.port}",
        headers={"Host": f"{NAME}:{nginx.port}"},
        transport=transport,
        timeout=30,
    )


def post(ws: ClientConnection, text: str, attachments: list[str] | None = None) -> dict:
    client_id = secrets.token_hex(8)
    frame = {"type": "message", "sender": "Ann", "text": text, "client_id": client_id}
    if attachments:
        frame["attachments"] = attachments
    ws.send(json.dumps(frame))
    return frames_until(
        ws, lambda f: (f["type"] == "message" and f.get("client_id") == client_id) or f["type"] == "error"
    )[-1]


def test_a_member_through_nginx_chats_with_a_member_on_its_node_directly(cluster):
    nginx, nodes, trust = cluster
    with through_nginx(nginx, trust, "/ws/lobby?v=2&name=Ann") as ann:
        frames_until(ann, lambda f: f["type"] == "welcome")
        node = node_answering(nodes, ann.response.headers[NODE_HEADER])
        with connect(f"{node.ws_base}/ws/lobby?v=2&name=Bob") as bob:
            frames_until(bob, lambda f: f["type"] == "welcome")
            assert post(ann, "hello from behind nginx")["type"] == "message"
            frames_until(bob, lambda f: f.get("text") == "hello from behind nginx")
            bob.send(json.dumps({"type": "message", "sender": "Bob", "text": "hello, Ann"}))
            frames_until(ann, lambda f: f.get("text") == "hello, Ann")
    # A seed client (no version, no type) through nginx too.
    with through_nginx(nginx, trust, "/ws/lobby") as seed:
        seed.send(json.dumps({"text": "seed says hi", "sender": "Seed", "room": "lobby"}))
        frames_until(seed, lambda f: f.get("text") == "seed says hi")


def test_an_upload_through_nginx_resumes_on_the_other_node_and_downloads_through_nginx(cluster, postgres_url):
    nginx, nodes, trust = cluster
    data = os.urandom(768 * KIB + 5)
    step = 128 * KIB
    answered: list[str] = []
    with http_client(nginx, trust) as client:
        upload = TusUpload.create(client, "lobby", len(data), sha256_b64(data), name="notes.bin")
        offset = 0
        while offset < len(data):
            # nginx spreads requests over the nodes: each PATCH may reach either, and goes on
            # from the offset the previous one (on whichever node) left.
            response = upload.patch(offset, data[offset : offset + step])
            assert response.status_code == 204, response.text
            answered.append(response.headers[NODE_HEADER])
            offset = int(response.headers["upload-offset"])
        assert offset == len(data)
        assert upload.offset() == len(data)
        assert {node_answering(nodes, upstream).port for upstream in answered} == {n.port for n in nodes}

        with psycopg.connect(postgres_url) as db:
            (address,) = db.execute("SELECT address FROM file_uploads").fetchone() or (None,)
        assert address == CLIENT_ADDRESS  # the node read nginx's X-Forwarded-For, not nginx's address

        with through_nginx(nginx, trust, "/ws/lobby?v=2&name=Ann") as ann:
            frames_until(ann, lambda f: f["type"] == "welcome")
            frame = post(ann, "", [upload.upload_id])
        assert frame["type"] == "message", frame
        (attachment,) = frame["attachments"]
        download = client.get(attachment["url"])
        assert download.status_code == 200
        assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(data).hexdigest()
        part = client.get(attachment["url"], headers={"Range": "bytes=1000-1999"})
        assert part.status_code == 206
        assert part.content == data[1000:2000]


def test_when_a_node_dies_nginx_sends_new_members_and_the_uploads_resume_to_the_other(cluster):
    nginx, nodes, trust = cluster
    data = os.urandom(256 * KIB)
    with http_client(nginx, trust) as client:
        upload = TusUpload.create(client, "lobby", len(data), sha256_b64(data))
        first = upload.patch(0, data[: 128 * KIB])
        assert first.status_code == 204, first.text
        node_answering(nodes, first.headers[NODE_HEADER]).stop(signal.SIGKILL)
        # Every new socket and request lands on the node left: nginx passes over the dead one.
        for _ in range(4):
            with through_nginx(nginx, trust, "/ws/lobby?v=2&name=Ann") as ann:
                frames_until(ann, lambda f: f["type"] == "welcome")
        assert upload.offset() == 128 * KIB
        rest = upload.patch(128 * KIB, data[128 * KIB :])
        assert rest.status_code == 204, rest.text
        assert int(rest.headers["upload-offset"]) == len(data)
