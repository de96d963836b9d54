"""Rooms per server and members per room, at their edges on a real server: whoever hits a limit
gets a clear error frame; everyone else carries on. (Frames per address: test_network_limits.py.)"""

from __future__ import annotations

import contextlib
import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.policy import (
    MAX_MEMBERS_PER_ROOM,
    MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS,
    MAX_ROOMS,
    RATE_LIMIT_BURST,
)
from server.protocol.codes import CloseCode, ErrorCode
from server.storage.history import message_size
from server.storage.sqlite_history import SqliteHistoryStore
from tests.support.raw_http import OTHER_CLIENT, open_room_socket, status_of


@pytest.fixture
def held():
    sockets: list = []
    yield sockets
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.close()


def refusal_of(url: str, source: str = "127.0.0.1") -> tuple[dict, int | None]:
    """The error frame a refused room socket gets, and its close code."""
    with connect(url, source_address=(source, 0)) as ws:
        frame = json.loads(ws.recv(timeout=5))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    return frame, closed.value.rcvd.code if closed.value.rcvd else None


def test_a_new_room_past_max_rooms_is_refused_with_4010_while_existing_rooms_open(serve_process, tmp_path):
    data = tmp_path / "data"
    store = SqliteHistoryStore(data)
    for index in range(MAX_ROOMS - 1):
        store.append(f"old-{index}", "Ann", "hello")
    store.close()
    server = serve_process(data_dir=data)

    with connect(f"{server.ws_base}/ws/the-last-one?v=2") as last:  # the MAX_ROOMS-th room
        assert json.loads(last.recv(timeout=5))["type"] == "welcome"
        frame, code = refusal_of(f"{server.ws_base}/ws/one-too-many?v=2")
        assert frame["code"] == ErrorCode.TOO_MANY_ROOMS and str(MAX_ROOMS) in frame["detail"]
        assert code == CloseCode.TOO_MANY_ROOMS
        with connect(f"{server.ws_base}/ws/old-7?v=2", source_address=(OTHER_CLIENT, 0)) as old:
            frames = [json.loads(old.recv(timeout=5)) for _ in range(2)]
            assert frames[0]["text"] == "hello" and frames[1]["type"] == "welcome"
    # The last room had no history: with its member gone it is gone, and a new one fits again.
    with connect(f"{server.ws_base}/ws/one-too-many?v=2") as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "welcome"


def test_a_room_takes_max_members_and_the_next_gets_room_full_and_4011(serve_process, held):
    server = serve_process()
    sources = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    for index in range(MAX_MEMBERS_PER_ROOM):
        sock, answer = open_room_socket(
            server.port, "crowd", sources[index // MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS]
        )
        held.append(sock)
        assert status_of(answer) == 101
    frame, code = refusal_of(f"{server.ws_base}/ws/crowd", source="127.0.0.3")
    assert frame["code"] == ErrorCode.ROOM_FULL and code == CloseCode.ROOM_FULL
    with connect(f"{server.ws_base}/ws/elsewhere?v=2", source_address=("127.0.0.3", 0)) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "welcome"
    held.pop().close()
    with connect(f"{server.ws_base}/ws/crowd?v=2&after=0", source_address=("127.0.0.3", 0)) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "welcome"


@pytest.mark.serial
def test_a_connection_past_its_rate_limit_is_not_read_again_until_its_retry_after(serve_process):
    server = serve_process()
    extra = 20
    with connect(f"{server.ws_base}/ws/fast") as ws:
        for index in range(RATE_LIMIT_BURST + extra):
            ws.send(json.dumps({"text": f"m{index}", "sender": "Ann"}))
        answers = [json.loads(ws.recv(timeout=10)) for _ in range(RATE_LIMIT_BURST + extra)]
    # Every frame is answered, stored (its echo) or refused (an error frame); an error frame may
    # overtake an earlier echo, so which frames were stored is read from the echoes' texts.
    stored = {int(frame["text"][1:]) for frame in answers if frame["type"] == "message"}
    refused = set(range(RATE_LIMIT_BURST + extra)) - stored
    assert refused and len(answers) - len(stored) == len(refused)
    assert min(refused) >= RATE_LIMIT_BURST
    # Read straight on, the frames after the burst would all be refused back to back. Paused for
    # its retry_after, the connection has earned a frame again when it reads the next one.
    assert not any(index + 1 in refused for index in refused), sorted(refused)


def test_lanchat_serve_keeps_history_within_max_history_mib_and_a_quiet_room_keeps_all(serve_process):
    server = serve_process(extra_args=("--max-history-mib", "1"))
    text = "x" * 4000
    per_message = message_size("Flooder 0", text, None)
    with connect(f"{server.ws_base}/ws/quiet") as ws:
        for index in range(3):
            ws.send(json.dumps({"text": f"keep {index}", "sender": "Ann"}))
            assert json.loads(ws.recv(timeout=5))["text"] == f"keep {index}"
    connections = 2**20 // per_message // RATE_LIMIT_BURST + 2  # past the limit, each within its burst
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(connect(f"{server.ws_base}/ws/flood-{i}")) for i in range(connections)]
        for index, ws in enumerate(sockets):
            for _ in range(RATE_LIMIT_BURST):
                ws.send(json.dumps({"text": text, "sender": f"Flooder {index}"}))
        for ws in sockets:
            for _ in range(RATE_LIMIT_BURST):
                assert json.loads(ws.recv(timeout=10))["type"] == "message"  # every one stored at first
    page = httpx.get(server.url + "api/rooms", params={"limit": 500}).json()
    kept = {room["name"]: room["messages"] for room in page["rooms"]}
    assert kept.pop("quiet") == 3
    assert sum(kept.values()) * per_message <= 2**20  # the oldest flood messages went
    assert sum(kept.values()) < connections * RATE_LIMIT_BURST
