"""One address holding too many connections, or never finishing its headers, is refused without
costing anyone else their answer."""

from __future__ import annotations

import contextlib
import json
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.policy import (
    MAX_CONNECTIONS_PER_ADDRESS,
    MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS,
    MAX_ROOM_SOCKETS_PER_ADDRESS,
    MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS,
)
from server.protocol.codes import CloseCode, ErrorCode
from server.tls.contexts import client_context
from server.web.client_limits import connection_cap, room_socket_cap
from tests.support.raw_http import (
    OTHER_CLIENT,
    open_connection,
    open_room_socket,
    raw_request,
    read_all,
    read_response,
    status_of,
)

pytestmark = pytest.mark.serial

HEALTH = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
HEAD_TIMEOUT = 1.0


@pytest.fixture
def server_args():
    return ("--request-head-timeout", str(HEAD_TIMEOUT))


@pytest.fixture
def held():
    sockets: list = []
    yield sockets
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.close()


def test_an_address_on_the_network_gets_smaller_caps_than_this_machine():
    assert connection_cap("10.215.0.2") == MAX_CONNECTIONS_PER_ADDRESS
    assert room_socket_cap("10.215.0.2") == MAX_ROOM_SOCKETS_PER_ADDRESS
    for local in ("127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"):
        assert connection_cap(local) == MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS
        assert room_socket_cap(local) == MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS
    assert MAX_ROOM_SOCKETS_PER_ADDRESS < MAX_CONNECTIONS_PER_ADDRESS
    assert MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS < MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS


def test_the_connection_past_an_addresss_cap_gets_a_plain_503_while_another_address_is_served(server, held):
    for _ in range(MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS - 1):
        held.append(open_connection(server.port))
    last = open_connection(server.port)  # the cap's own connection is still served
    last.sendall(HEALTH)
    assert status_of(read_all(last)) == 200
    last.close()
    held.append(open_connection(server.port))  # the cap again, since `last` let go

    over = open_connection(server.port)
    answer = read_all(over)  # answered before it sends anything
    over.close()
    assert status_of(answer) == 503
    assert b"text/plain" in answer and b"Too many connections from 127.0.0.1" in answer
    assert status_of(raw_request(server.port, HEALTH, source=OTHER_CLIENT)) == 200


def test_a_tls_connection_takes_one_place_under_the_cap_not_two(server, held):
    # The front door counts the TCP connection, the HTTP protocol inside TLS the same one again.
    for _ in range(MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS - 2):
        held.append(open_connection(server.port))
    tls = client_context().wrap_socket(open_connection(server.port))
    held.append(tls)
    tls.sendall(HEALTH.replace(b"Connection: close", b"Connection: keep-alive"))
    assert status_of(read_response(tls)) == 200
    last = open_connection(server.port)  # the cap's own connection
    held.append(last)
    last.sendall(HEALTH.replace(b"Connection: close", b"Connection: keep-alive"))
    assert status_of(read_response(last)) == 200
    assert status_of(read_all(open_connection(server.port))) == 503


def test_a_tls_handshake_begun_and_never_finished_holds_its_place_under_the_cap(server, held):
    for _ in range(MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS - 1):
        held.append(open_connection(server.port))
    stalled = open_connection(server.port)
    held.append(stalled)
    stalled.sendall(b"\x16\x03\x01")  # the first bytes of a ClientHello, and nothing more
    over = open_connection(server.port)
    answer = read_all(over)
    over.close()
    assert status_of(answer) == 503


def test_a_connection_that_closes_frees_its_place_under_the_cap(server, held):
    for _ in range(MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS):
        held.append(open_connection(server.port))
    assert status_of(raw_request(server.port, HEALTH)) == 503
    held.pop().close()
    time.sleep(0.2)  # the server sees the close
    assert status_of(raw_request(server.port, HEALTH)) == 200


def test_the_room_socket_past_an_addresss_cap_gets_an_error_frame_and_close_4029(server, held):
    for _ in range(MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS):
        sock, answer = open_room_socket(server.port)
        held.append(sock)
        assert status_of(answer) == 101, answer
    with connect(f"{server.ws_base}/ws/general") as ws:
        frame = json.loads(ws.recv(timeout=5))
        assert frame["type"] == "error" and frame["code"] == ErrorCode.TOO_MANY_CONNECTIONS
        assert str(MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS) in frame["detail"]
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == CloseCode.TOO_MANY_CONNECTIONS
    # Another address joins and chats as usual.
    with connect(f"{server.ws_base}/ws/general", source_address=(OTHER_CLIENT, 0)) as ws:
        ws.send(json.dumps({"text": "hi", "sender": "Ann", "room": "general"}))
        assert json.loads(ws.recv(timeout=5))["text"] == "hi"
    # A socket that leaves frees its place.
    held.pop().close()
    time.sleep(0.2)
    with connect(f"{server.ws_base}/ws/general?v=2&after=1") as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "welcome"


def test_a_request_whose_headers_never_finish_gets_408_and_is_closed(server):
    with open_connection(server.port) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        answer = read_all(sock)
        waited = time.monotonic() - started
    assert status_of(answer) == 408 and b"did not arrive within 1 s" in answer
    assert waited >= HEAD_TIMEOUT * 0.9


def test_a_connection_that_sends_nothing_gets_408(server):
    with open_connection(server.port) as sock:
        assert status_of(read_all(sock)) == 408


def test_a_header_trickled_a_byte_at_a_time_is_cut_off_at_the_deadline_not_after_it(server):
    head = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100
    with open_connection(server.port) as sock:
        started = time.monotonic()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for byte in head:
                sock.sendall(bytes([byte]))
                time.sleep(HEAD_TIMEOUT / 10)
                if time.monotonic() - started > HEAD_TIMEOUT * 4:
                    break
        answer = read_all(sock)
    assert status_of(answer) == 408


def test_headers_finished_just_inside_the_deadline_are_served(server):
    with open_connection(server.port) as sock:
        sock.sendall(HEALTH[:20])
        time.sleep(HEAD_TIMEOUT * 0.6)
        sock.sendall(HEALTH[20:])
        assert status_of(read_all(sock)) == 200


def test_the_second_request_on_a_kept_alive_connection_has_its_own_deadline(server):
    keep = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with open_connection(server.port) as sock:
        sock.sendall(keep)
        assert status_of(read_response(sock)) == 200
        time.sleep(HEAD_TIMEOUT * 0.6)  # the first request's deadline would have passed by the end
        sock.sendall(keep[:20])
        time.sleep(HEAD_TIMEOUT * 0.6)
        sock.sendall(keep[20:])
        assert status_of(read_response(sock)) == 200
        sock.sendall(keep[:20])
        assert status_of(read_all(sock)) == 408


def test_a_room_socket_stays_open_past_the_head_deadline(server):
    with connect(f"{server.ws_base}/ws/general?v=2") as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "welcome"
        time.sleep(HEAD_TIMEOUT * 1.5)
        ws.send(json.dumps({"text": "still here", "sender": "Ann"}))
        frames = [json.loads(ws.recv(timeout=5)) for _ in range(2)]  # presence (Ann joins), then the message
        assert frames[-1]["text"] == "still here"


def test_a_body_trickled_after_its_headers_is_cut_off_at_the_deadline_after_one_answer(server):
    head = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"
    with open_connection(server.port) as sock:
        started = time.monotonic()
        sock.sendall(head)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            while time.monotonic() - started < HEAD_TIMEOUT * 4:
                sock.sendall(b"a")
                time.sleep(HEAD_TIMEOUT / 10)
        answer = read_all(sock)
        waited = time.monotonic() - started
    assert answer.count(b"HTTP/1.1 ") == 1 and status_of(answer) == 200  # answered once, then closed
    assert waited < HEAD_TIMEOUT * 4
