"""A host that also lets browsers in without encryption (`--allow-plain-http`), reached from another
machine: what crosses the network in the clear is refused, and the room is told who is unencrypted.

A real `lanchat serve` in one network namespace, real clients in another (tests/support/netns.py):
loopback would not do, since connections from this machine are never "unencrypted".
"""

from __future__ import annotations

import json
import signal

import pytest

from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.limits import IDENTITY_ID_CHARS
from tests.support.netns import in_namespace, network, run_in
from tests.support.server_process import ServeProcess

pytestmark = [pytest.mark.process, pytest.mark.netns]

HOST, BROWSER = "10.219.0.1", "10.219.0.2"
PORT = 18443  # fixed: inside its own namespace it is free
PASSWORD = "correct horse battery"
DIRECT = f"@dm:{'a' * IDENTITY_ID_CHARS}:{'b' * IDENTITY_ID_CHARS}"

# Runs in the browser's namespace: each step's result as one JSON object.
CLIENTS = """
import asyncio, json, sys, urllib.request, urllib.error
import websockets
from server.tls.contexts import client_context

host, port, password, direct = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
plain, tls = f"ws://{host}:{port}", f"wss://{host}:{port}"
SECRET = "s" * 43
seen = {}

async def frames_until(ws, wanted, limit=10):
    got = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), limit))
        got.append(frame)
        if wanted(frame):
            return got

async def refused_door(url):
    async with websockets.connect(url) as ws:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed:
            pass
        return {"frame": frame, "close": ws.close_code}

def http(url, headers):
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as answer:
            return {"status": answer.status, "body": json.load(answer)}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "body": json.load(error)}

async def main():
    async with websockets.connect(f"{tls}/ws/general?v=2&name=Anna", ssl=client_context()) as anna:
        await anna.send(json.dumps({"type": "hello", "secret": SECRET}))
        await frames_until(anna, lambda f: f["type"] == "identified")
        async with websockets.connect(f"{plain}/ws/general?v=2&name=Boris") as boris:
            welcome = await frames_until(boris, lambda f: f["type"] == "welcome")
            seen["anna_told"] = (await frames_until(anna, lambda f: f["type"] == "encryption"))[-1]
            await boris.send(json.dumps({"type": "hello", "secret": SECRET}))
            seen["boris_hello"] = (await frames_until(boris, lambda f: f["type"] == "error"))[-1]
            await boris.send(json.dumps({"text": "in the clear", "sender": "Boris", "client_id": "c1"}))
            seen["boris_ack"] = (await frames_until(boris, lambda f: f["type"] == "ack"))[-1]
            async with websockets.connect(f"{tls}/ws/general?v=2&name=Vera", ssl=client_context()) as vera:
                seen["vera_welcome"] = (await frames_until(vera, lambda f: f["type"] == "welcome"))[-1]
        seen["anna_after"] = (await frames_until(anna, lambda f: f["type"] == "encryption"))[-1]
    seen["private_plain"] = await refused_door(f"{plain}/ws/hideout?v=2")
    seen["direct_plain"] = await refused_door(f"{plain}/ws/{direct}?v=2")
    async with websockets.connect(f"{tls}/ws/hideout?v=2", ssl=client_context()) as inside:
        await inside.send(json.dumps({"type": "password", "password": password}))
        seen["private_tls"] = json.loads(await asyncio.wait_for(inside.recv(), 10))
    token = seen["private_tls"].get("token", "")
    seen["history_plain"] = http(
        f"http://{host}:{port}/api/rooms/hideout/messages", {"X-Lanchat-Room-Token": token}
    )
    seen["identity_plain"] = http(f"http://{host}:{port}/api/identity", {})
    print(json.dumps(seen))

asyncio.run(main())
"""


@pytest.fixture
def seen(tmp_path):
    """What clients in another namespace saw of a host that allows plain HTTP."""
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    with network("lcplh") as net:
        host, browser = net.namespace("h"), net.namespace("b")
        net.link(host, HOST, browser, BROWSER, 24)
        args = ("--host", "0.0.0.0", "--allow-plain-http", "--private-room", f"hideout={password_file}")
        server = ServeProcess(tmp_path / "host", PORT, args, command=in_namespace(host)).start()
        try:
            yield json.loads(run_in(browser, CLIENTS, HOST, str(PORT), PASSWORD, DIRECT, timeout=90))
        finally:
            server.stop(signal.SIGKILL)


def test_plain_http_from_the_network_is_marked_and_kept_from_everything_secret(seen):
    # The room is told how many of its connections are unencrypted, as they come and go.
    assert seen["anna_told"] == {"type": "encryption", "room": "general", "unencrypted": 1}
    assert seen["vera_welcome"]["unencrypted"] == 1
    assert seen["anna_after"] == {"type": "encryption", "room": "general", "unencrypted": 0}
    # An identity's secret is refused in the clear; chatting in an open room still works.
    assert seen["boris_hello"]["code"] == ErrorCode.ENCRYPTION_REQUIRED
    assert "https://" in seen["boris_hello"]["detail"]
    assert seen["boris_ack"]["client_id"] == "c1"
    # Private rooms and direct conversations are refused before their first frame is read.
    for door in ("private_plain", "direct_plain"):
        assert seen[door]["frame"]["code"] == ErrorCode.ENCRYPTION_REQUIRED, seen[door]
        assert seen[door]["close"] == CloseCode.ENCRYPTION_REQUIRED
    # Over TLS the same private room opens with its password...
    assert seen["private_tls"]["type"] == "entered"
    # ...and its token is refused when sent over plain HTTP.
    assert seen["history_plain"]["status"] == 403
    assert seen["history_plain"]["body"]["detail"]["code"] == ErrorCode.ENCRYPTION_REQUIRED
    assert seen["identity_plain"]["body"]["encrypted"] is False
    assert seen["identity_plain"]["body"]["plain_http_allowed"] is True
