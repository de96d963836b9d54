"""Private rooms (issue 14 item 3) on a real `lanchat serve`: a password before anything of the room."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.policy import PASSWORD_FAILURES_BEFORE_LOCKOUT, PASSWORD_LOCKOUT_SECONDS
from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.limits import ROOM_TOKEN_HEADER
from server.rooms.private import SCRYPT_N, SCRYPT_R
from tests.support.frames import frames_until
from tests.support.raw_http import open_room_socket, read_all, status_of
from tests.support.rooms import PASSWORD, private_room_args, room_url
from tests.support.server_process import REPO_ROOT


@pytest.fixture
def server_args(tmp_path):
    return private_room_args(tmp_path)


def url(server, room: str = "team", **query) -> str:
    return room_url(server, room, **query)


@contextmanager
def entered(server, name: str, room: str = "team") -> Iterator[tuple[ClientConnection, list[dict]]]:
    """A v2 member that gave the password; the frames up to its welcome."""
    with connect(url(server, room, v=2, name=name)) as ws:
        ws.send(json.dumps({"type": "password", "password": PASSWORD}))
        yield ws, frames_until(ws, lambda f: f["type"] == "welcome")


def refusal(ws: ClientConnection) -> tuple[dict, int | None]:
    """The error frame a refused socket gets, and its close code."""
    frame = json.loads(ws.recv(timeout=5))
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    return frame, closed.value.rcvd.code if closed.value.rcvd else None


def test_nothing_of_a_private_room_arrives_before_its_password(server):
    with entered(server, "Alice") as (alice, _):
        alice.send(json.dumps({"text": "the plan", "sender": "Alice"}))
        frames_until(alice, lambda f: f["type"] == "message")
        with connect(url(server, v=2, name="Bob")) as bob:
            alice.send(json.dumps({"type": "typing", "sender": "Alice"}))
            alice.send(json.dumps({"text": "while Bob waits", "sender": "Alice"}))
            frames_until(alice, lambda f: f.get("text") == "while Bob waits")
            with pytest.raises(TimeoutError):  # no history, welcome, member list, presence or typing
                bob.recv(timeout=1.5)
            with pytest.raises(TimeoutError):  # and Alice is not told Bob is at the door
                alice.recv(timeout=0.3)
            bob.send(json.dumps({"type": "password", "password": PASSWORD}))
            frames = frames_until(bob, lambda f: f["type"] == "welcome")
            assert frames[0]["type"] == "entered" and frames[0]["room"] == "team"
            assert [f["text"] for f in frames if f["type"] == "message"] == ["the plan", "while Bob waits"]
            assert frames[-1]["members"] == ["Alice", "Bob"]
            assert frames_until(alice, lambda f: f["type"] == "presence")[-1] == {
                "type": "presence",
                "room": "team",
                "event": "join",
                "name": "Bob",
            }


def test_a_wrong_password_gets_password_wrong_and_close_4014(server):
    with connect(url(server, v=2, name="Mallory")) as ws:
        ws.send(json.dumps({"type": "password", "password": "guess"}))
        frame, code = refusal(ws)
    assert frame["code"] == ErrorCode.PASSWORD_WRONG
    assert frame["tries_left"] == PASSWORD_FAILURES_BEFORE_LOCKOUT - 1
    assert code == CloseCode.PASSWORD_WRONG


def test_a_first_frame_that_is_no_password_gets_password_required_and_close_4013(server):
    with connect(url(server, v=2, name="Mallory")) as ws:
        ws.send(json.dumps({"type": "hello", "secret": "a" * 43}))
        frame, code = refusal(ws)
    assert frame["code"] == ErrorCode.PASSWORD_REQUIRED
    assert code == CloseCode.PASSWORD_REQUIRED


def test_a_token_the_room_issued_opens_its_door_and_nothing_else_does(server):
    """The host's own window enters its private rooms with a token its bridge issues (the host
    keeps only the password's hash); a token opens only the room it was issued for."""
    with entered(server, "Alice") as (_, frames):
        token = frames[0]["token"]
    with connect(url(server, v=2, name="Alice")) as ws:
        ws.send(json.dumps({"type": "password", "token": token}))
        frames = frames_until(ws, lambda f: f["type"] == "welcome")
    assert frames[0]["type"] == "entered" and frames[0]["token"] != token
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x", 7):
        with connect(url(server, v=2, name="Mallory")) as ws:
            ws.send(json.dumps({"type": "password", "token": forged}))
            frame, code = refusal(ws)
        assert frame["code"] == ErrorCode.PASSWORD_REQUIRED
        assert code == CloseCode.PASSWORD_REQUIRED


def try_password(server, password: str) -> tuple[dict, int | None]:
    with connect(url(server, v=2)) as ws:
        ws.send(json.dumps({"type": "password", "password": password}))
        frame = json.loads(ws.recv(timeout=5))
        if frame["type"] == "entered":
            return frame, None
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        return frame, closed.value.rcvd.code if closed.value.rcvd else None


def test_the_lockout_starts_at_the_fifth_wrong_password_and_says_when_to_retry(server):
    for _ in range(PASSWORD_FAILURES_BEFORE_LOCKOUT - 1):
        assert try_password(server, "guess")[0]["code"] == ErrorCode.PASSWORD_WRONG
    # One short of the lockout the right password still enters, and the count starts again.
    assert try_password(server, PASSWORD)[0]["type"] == "entered"
    tries = [try_password(server, "guess")[0] for _ in range(PASSWORD_FAILURES_BEFORE_LOCKOUT)]
    assert [t["tries_left"] for t in tries] == list(range(PASSWORD_FAILURES_BEFORE_LOCKOUT - 1, -1, -1))
    frame, code = try_password(server, PASSWORD)  # even the right one, during the lockout
    assert frame["code"] == ErrorCode.PASSWORD_LOCKED
    assert PASSWORD_LOCKOUT_SECONDS - 5 < frame["retry_after"] <= PASSWORD_LOCKOUT_SECONDS
    assert code == CloseCode.PASSWORD_LOCKED


def test_a_private_rooms_http_history_needs_the_token_its_socket_gave(server):
    with entered(server, "Alice") as (alice, frames):
        alice.send(json.dumps({"text": "secret plan", "sender": "Alice"}))
        frames_until(alice, lambda f: f["type"] == "message")
    token = frames[0]["token"]
    history = f"{server.url}api/rooms/team/messages"
    assert httpx.get(history).status_code == 403
    assert httpx.get(history, headers={ROOM_TOKEN_HEADER: "forged"}).status_code == 403
    assert httpx.get(f"{server.url}api/rooms/team/messages?token={token}").status_code == 403
    answer = httpx.get(history, headers={ROOM_TOKEN_HEADER: token})
    assert [m["text"] for m in answer.json()["messages"]] == ["secret plan"]


def test_the_room_list_shows_a_private_room_as_private_without_its_counts(server):
    with entered(server, "Alice") as (alice, _):
        alice.send(json.dumps({"text": "secret plan", "sender": "Alice"}))
        frames_until(alice, lambda f: f["type"] == "message")
        with connect(url(server, "lobby")) as seed:
            seed.send(json.dumps({"text": "hi", "sender": "Sam", "room": "lobby"}))
            json.loads(seed.recv(timeout=5))
            rooms = httpx.get(f"{server.url}api/rooms").json()["rooms"]
    assert {"name": "lobby", "members": 1, "messages": 1} in rooms
    assert {"name": "team", "members": None, "messages": None, "private": True} in rooms


def test_a_seed_client_is_refused_by_a_private_room_and_keeps_chatting_in_an_open_one(server):
    with connect(url(server)) as seed:
        seed.send(json.dumps({"text": "let me in", "sender": "Sam", "room": "team"}))
        frame, code = refusal(seed)
    assert frame["code"] == ErrorCode.PASSWORD_REQUIRED and code == CloseCode.PASSWORD_REQUIRED
    with connect(url(server, "lobby")) as seed:
        seed.send(json.dumps({"text": "hello", "sender": "Sam", "room": "lobby"}))
        message = json.loads(seed.recv(timeout=5))
    assert {k: message[k] for k in ("text", "sender", "room")} == {
        "text": "hello",
        "sender": "Sam",
        "room": "lobby",
    }
    with entered(server, "Alice") as (_, frames):
        assert "let me in" not in [f.get("text") for f in frames]


def test_a_client_that_sends_a_binary_frame_and_hangs_up_at_a_private_door_leaves_no_traceback(server):
    for _ in range(10):
        sock, head = open_room_socket(server.port, "team")
        with sock:
            assert status_of(head) == 101
            # A binary frame (not the password), then a close frame, in one write: gone before the refusal.
            sock.sendall(bytes([0x82, 0x80 | 3]) + b"\0\0\0\0" + b"abc" + bytes([0x88, 0x80]) + b"\0\0\0\0")
            sock.shutdown(socket.SHUT_WR)
            read_all(sock)
    assert httpx.get(server.url + "api/health").status_code == 200
    assert not any("Traceback" in line or "Exception in" in line for line in server.output), server.output


def test_private_room_takes_its_password_from_the_environment_and_never_shows_it_in_the_process_list(
    serve_process, monkeypatch
):
    monkeypatch.setenv("LANCHAT_ROOM_PASSWORD", "from the environment")
    server = serve_process(extra_args=("--private-room", "team"))
    assert server.process is not None
    cmdline = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().decode()
    assert "team" in cmdline and "from the environment" not in cmdline
    with connect(url(server, v=2)) as ws:
        ws.send(json.dumps({"type": "password", "password": "from the environment"}))
        assert json.loads(ws.recv(timeout=5))["type"] == "entered"


def test_serve_refuses_a_private_room_without_a_password_and_says_where_it_looks(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "server", "--port", "0", "--data", str(tmp_path), "--private-room", "team"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "LANCHAT_DISCOVERY": "off"},
    )
    assert result.returncode == 2
    assert "LANCHAT_ROOM_PASSWORD" in result.stderr


def test_guesses_from_many_addresses_at_once_leave_the_server_at_most_two_scrypts_larger(server):
    process = psutil.Process(server.process.pid)
    before = process.memory_info().rss

    def guess(index: int) -> str:
        with connect(url(server), source_address=(f"127.0.0.{10 + index}", 0)) as ws:
            ws.send(json.dumps({"type": "password", "password": f"wrong guess {index}"}))
            return json.loads(ws.recv(timeout=30))["code"]

    with ThreadPoolExecutor(8) as pool:  # asyncio's default pool here had 6 threads: 96 MiB kept
        codes = list(pool.map(guess, range(8)))
    assert set(codes) == {ErrorCode.PASSWORD_WRONG}
    # Each scrypt uses 128 * r * N bytes (16 MiB), which its thread keeps.
    scrypt_bytes = 128 * SCRYPT_R * SCRYPT_N
    assert process.memory_info().rss - before <= 2 * scrypt_bytes
