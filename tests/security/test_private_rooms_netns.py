"""The window's room password control cannot be reached from another machine, also while hosting.

A host (a server thread with a hosting listener, as the window runs it) in one network namespace,
a peer in another (10.217.0.0/24). The peer tries every door: HTTP with any method on the paths a
password API would have, with and without a local-network page's Origin, and frames on the room
socket. None makes the room private or open. The host's own control (desktop/room_admin.py, what
the window's bridge calls) then makes it private, and the peer is asked for the password.
"""

from __future__ import annotations

import json

import pytest

from tests.support.netns import HostDriver, network, run_in

pytestmark = [pytest.mark.process, pytest.mark.netns]

HOST, PEER = "10.217.0.1", "10.217.0.2"
PORT = 47331
TIMEOUT = 30
PASSWORD = "host only"

PEER_PROBE = """
import asyncio, json, sys, urllib.request
from tests.support.pinned_clients import pinned_connect, pinned_opener

base, pin = sys.argv[1], sys.argv[2]
ws_base = base.replace("https://", "wss://")
ORIGIN = "http://10.217.0.2:8080"
opener = pinned_opener(pin)

def http(method, path, origin=None):
    body = json.dumps({"room": "general", "password": "mine now", "private": True}).encode()
    request = urllib.request.Request(base + path, data=body if method != "GET" else None, method=method)
    request.add_header("Content-Type", "application/json")
    if origin:
        request.add_header("Origin", origin)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code

paths = ["/api/rooms/general/password", "/api/rooms/general/private", "/api/rooms/general",
         "/api/rooms/general/privacy", "/api/private", "/api/password", "/api/rooms"]
statuses = {}
for path in paths:
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        for origin in (None, ORIGIN):
            statuses[f"{method} {path} {origin}"] = http(method, path, origin)

async def frames():
    answers = []
    async with pinned_connect(ws_base + "/ws/general?v=2&name=Mallory", pin, origin=ORIGIN) as ws:
        for frame in ({"type": "make_private", "password": "mine now"},
                      {"type": "set_password", "room": "general", "password": "mine now"},
                      {"type": "make_room_private", "room": "general", "password": "mine now"},
                      {"type": "make_open", "room": "general"}):
            await ws.send(json.dumps(frame))
        while len(answers) < 4:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame["type"] == "error":
                answers.append(frame["code"])
    return answers

print(json.dumps({"statuses": statuses, "frames": asyncio.run(frames())}))
"""

PEER_JOIN = """
import asyncio, json, sys
import websockets
from tests.support.pinned_clients import pinned_connect

async def main():
    async with pinned_connect(sys.argv[1] + "/ws/general?v=2&name=Bob", sys.argv[3]) as ws:
        await ws.send(json.dumps({"type": "password", "password": sys.argv[2]}))
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed:
            pass
        return {"first": first, "closed": ws.close_code}

print(json.dumps(asyncio.run(main())))
"""


@pytest.fixture
def hosted():
    with network(prefix="lcpri") as net:
        host, peer = net.namespace("h"), net.namespace("p")
        net.link(host, HOST, peer, PEER, 24)
        driver = HostDriver(host, PORT, "desktop.room_admin:RoomAdmin")
        try:
            yield driver, peer
        finally:
            driver.close()


def test_a_peer_on_the_network_cannot_set_or_clear_a_room_password_and_the_host_s_control_can(hosted):
    driver, peer_ns = hosted
    base = f"https://{HOST}:{PORT}"
    probe = json.loads(run_in(peer_ns, PEER_PROBE, base, driver.fingerprint, timeout=TIMEOUT))
    changed = {request: status for request, status in probe["statuses"].items() if status < 400}
    # Only the read-only room list answers, and only to GET.
    assert set(changed) <= {f"GET /api/rooms {origin}" for origin in (None, "http://10.217.0.2:8080")}, (
        changed
    )
    assert probe["frames"] == ["unknown_type"] * 4
    assert driver.call("privacy", "general") == {"room": "general", "private": False}

    assert driver.call("make_private", "general", PASSWORD) == {"room": "general", "private": True}
    ws_base = base.replace("https://", "wss://")
    wrong = json.loads(run_in(peer_ns, PEER_JOIN, ws_base, "mine now", driver.fingerprint))
    assert (wrong["first"]["code"], wrong["closed"]) == ("password_wrong", 4014)
    right = json.loads(run_in(peer_ns, PEER_JOIN, ws_base, PASSWORD, driver.fingerprint))
    assert right["first"]["type"] == "entered"

    assert driver.call("make_open", "general") == {"room": "general", "private": False}
