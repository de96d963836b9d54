"""Odd input gets its documented refusal, never a 500 or a dropped connection."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.limits import MAX_MESSAGE_ID
from tests.support.raw_http import open_room_socket, read_all, status_of


def test_a_before_past_the_largest_message_id_is_a_422_not_a_500(server):
    url = server.url + "api/rooms/general/messages"
    assert httpx.get(url, params={"before": MAX_MESSAGE_ID}).status_code == 200
    assert httpx.get(url, params={"before": MAX_MESSAGE_ID + 1}).status_code == 422


@pytest.mark.parametrize("query", ["after=" + "9" * 5000, "v=" + "9" * 5000, f"after={MAX_MESSAGE_ID + 1}"])
def test_a_number_with_thousands_of_digits_closes_the_socket_with_4002(server, query):
    with connect(f"{server.ws_base}/ws/general?{query}") as ws:
        frame = json.loads(ws.recv(timeout=5))
        assert frame["code"] == ErrorCode.QUERY_INVALID
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == CloseCode.QUERY_INVALID


def test_the_largest_after_is_accepted(server):
    with connect(f"{server.ws_base}/ws/general?v=2&after={MAX_MESSAGE_ID}") as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "welcome"


def test_json_nested_1000_deep_is_refused_and_the_connection_stays(server):
    with connect(f"{server.ws_base}/ws/general") as ws:
        ws.send('{"text": ' + "[" * 1000 + "]" * 1000 + "}")
        refusal = json.loads(ws.recv(timeout=5))
        assert refusal["code"] == ErrorCode.INVALID_JSON and "nested" in refusal["detail"]
        ws.send(json.dumps({"text": "still here", "sender": "Ann", "room": "general"}))
        assert json.loads(ws.recv(timeout=5))["text"] == "still here"


def test_a_text_frame_that_is_not_utf8_closes_with_1007_and_logs_one_warning_line_not_a_traceback(server):
    with connect(f"{server.ws_base}/ws/general?v=2") as other:
        json.loads(other.recv(timeout=5))  # welcome
        sock, head = open_room_socket(server.port)
        with sock:
            assert status_of(head) == 101
            # A masked text frame (mask 0) whose payload is not UTF-8.
            payload = b'{"text":"\xc3(","sender":"M"}'
            sock.sendall(bytes([0x81, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
            answer = read_all(sock)
        assert answer[:2] == bytes([0x88, 2]) and int.from_bytes(answer[2:4], "big") == 1007
        other.send(json.dumps({"text": "still here", "sender": "Bob"}))
        frames = [json.loads(other.recv(timeout=5)) for _ in range(2)]
        assert "still here" in [frame.get("text") for frame in frames], frames
    # The server's output is read on a thread: give a loaded machine a moment to pass it on.
    deadline = time.monotonic() + 5
    while not any("UTF-8" in line for line in server.output) and time.monotonic() < deadline:
        time.sleep(0.05)
    logged = [line for line in server.output if "UTF-8" in line]
    assert logged == ["WARNING:  Invalid UTF-8 sequence received from client."]
    assert not any("Traceback" in line for line in server.output)
