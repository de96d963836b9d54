"""DNS rebinding: a page on a name re-pointed at this machine gets nothing from lanchat."""

from __future__ import annotations

import base64
import os

import pytest

from tests.support.raw_http import raw_request, status_of

EVIL = b"evil.example"


def get(port: int, path: str, host: bytes, origin: bytes | None = None) -> bytes:
    head = b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n"
    if origin is not None:
        head += b"Origin: " + origin + b"\r\n"
    return raw_request(port, head + b"\r\n")


def handshake(port: int, host: bytes, origin: bytes) -> bytes:
    key = base64.b64encode(os.urandom(16))
    head = (
        b"GET /ws/general?v=2 HTTP/1.1\r\nHost: " + host + b"\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n"
        b"Origin: " + origin + b"\r\n\r\n"
    )
    return raw_request(port, head, timeout=3.0)


@pytest.fixture
def server_args():
    return ("--allow-host", "chat.home.arpa")


@pytest.mark.parametrize(
    "path",
    [
        "/api/rooms/general/messages",
        "/api/rooms",
        "/",
        "/api/health",
        "/api/hosts",
        "/api/discovered",
        "/api/search?q=x",
    ],
)
def test_a_request_for_another_host_name_is_refused_with_421(server, path):
    answer = get(server.port, path, EVIL + b":%d" % server.port)
    assert status_of(answer) == 421, answer[:200]
    assert b"host name" in answer


def test_the_room_socket_refuses_a_rebinding_page_before_the_handshake(server):
    host = EVIL + b":%d" % server.port
    answer = handshake(server.port, host, b"http://" + host)
    assert status_of(answer) == 403, answer[:200]
    assert b"welcome" not in answer


@pytest.mark.parametrize("host", [b"127.0.0.1:%d", b"localhost:%d", b"chat.home.arpa:%d"])
def test_addresses_localhost_and_allowed_names_are_still_served(server, host):
    host = host % server.port
    assert status_of(get(server.port, "/api/rooms", host)) == 200
    answer = handshake(server.port, host, b"http://" + host)
    assert status_of(answer) == 101, answer[:200]


def test_another_lanchat_window_on_loopback_still_joins(server):
    answer = handshake(server.port, b"127.0.0.1:%d" % server.port, b"http://127.0.0.1:51234")
    assert status_of(answer) == 101, answer[:200]
