"""ServerThread's life: bound first, serving later, as the desktop window runs it (desktop/app.py).

A real uvicorn on loopback ports, real HTTP and WebSocket clients.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.request

import pytest
import websockets

from server.config import ServerConfig
from server.protocol.limits import PROTOCOL_VERSION
from server.runtime.runner import ServerStartError, ServerThread

TIMEOUT = 10


@pytest.fixture
def bound(tmp_path):
    server = ServerThread(
        ServerConfig(host="127.0.0.1", port=0, data_dir=tmp_path / "data", ui_dir=tmp_path / "no-ui")
    )
    server.bind()
    yield server
    server.stop()


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return json.loads(response.read())


def test_requests_made_before_the_server_starts_wait_in_the_backlog_and_are_answered(bound):
    answers: dict[str, object] = {}

    def ask_health():
        answers["health"] = _get_json(f"{bound.url}api/health")

    async def join_room():
        url = f"ws://127.0.0.1:{bound.port}/ws/general?v={PROTOCOL_VERSION}&name=Early"
        async with websockets.connect(url, open_timeout=TIMEOUT) as client:
            return json.loads(await asyncio.wait_for(client.recv(), TIMEOUT))

    def ask_room():
        answers["welcome"] = asyncio.run(join_room())

    askers = [threading.Thread(target=ask_health), threading.Thread(target=ask_room)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(0.3)
    assert answers == {}, "nothing answers before start()"

    bound.start()
    for asker in askers:
        asker.join(TIMEOUT)

    assert answers["health"]["status"] == "ok"
    assert answers["welcome"]["type"] == "welcome"


def test_a_server_stopped_before_it_started_frees_its_port_and_will_not_start(bound):
    port = bound.port

    bound.stop()

    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(ServerStartError, match="stopped before it started"):
        bound.start()


def test_starting_twice_only_waits_and_hosting_waits_for_a_server_still_starting(bound):
    bound.start(wait=False)

    listener_port = bound.start_listener("127.0.0.1", 0)  # while the app may still be importing
    bound.start()

    assert _get_json(f"http://127.0.0.1:{listener_port}/api/health")["status"] == "ok"
    assert _get_json(f"{bound.url}api/health")["status"] == "ok"
