"""The host's controls cannot be reached from another machine, also while hosting.

A host (a server thread with a hosting listener, as the window runs it) in one network namespace,
a peer in another (10.218.0.0/24). The peer tries every door the host has: HTTP with any method
on the paths a moderation API would have, with and without a local-network page's Origin, and
frames on its room socket. None removes, bans or deletes anything. The host's own controls
(desktop/host_controls.py, what the window's bridge calls) then ban the peer's address, and the
peer is closed and refused.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.netns import HostDriver, fetch, network, run_in
from tests.support.server_process import REPO_ROOT

pytestmark = [pytest.mark.process, pytest.mark.netns]

HOST, PEER = "10.218.0.1", "10.218.0.2"
PORT = 47321
TIMEOUT = 30


# Runs in the peer's namespace: everything a machine on the network could try.
PEER_PROBE = """
import asyncio, json, sys, urllib.request
from tests.support.pinned_clients import pinned_connect, pinned_opener

base, pin = sys.argv[1], sys.argv[2]
ws_base = base.replace("https://", "wss://")
ORIGIN = "http://10.218.0.2:8080"  # a page on the local network: origins it may read from
opener = pinned_opener(pin)

def http(method, path, origin=None):
    body = json.dumps({"room": "general", "id": 1, "name": "Bob", "address": "10.218.0.2"}).encode()
    request = urllib.request.Request(base + path, data=body if method != "GET" else None, method=method)
    request.add_header("Content-Type", "application/json")
    if origin:
        request.add_header("Origin", origin)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code

paths = ["/api/rooms/general/messages/1", "/api/rooms/general/messages", "/api/rooms/general/members",
         "/api/rooms/general/members/Bob", "/api/bans", "/api/ban", "/api/moderation", "/api/host",
         "/api/admin", "/api/rooms/general"]
statuses = {}
for path in paths:
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        for origin in (None, ORIGIN):
            statuses[f"{method} {path} {origin}"] = http(method, path, origin)

async def frames():
    answers = []
    async with pinned_connect(ws_base + "/ws/general?v=2&name=Mallory", pin, origin=ORIGIN) as ws:
        for frame in ({"type": "delete", "id": 1}, {"type": "deleted", "room": "general", "id": 1},
                      {"type": "remove", "name": "Bob"}, {"type": "ban", "identity": "0" * 16},
                      {"type": "ban", "address": "10.218.0.1"}, {"type": "unban", "value": "x"}):
            await ws.send(json.dumps(frame))
        while len(answers) < 6:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame["type"] == "error":
                answers.append(frame["code"])
    return answers

print(json.dumps({"statuses": statuses, "frames": asyncio.run(frames())}))
"""

# The peer joins and stays; prints each frame and the close code.
PEER_MEMBER = """
import asyncio, json, sys
import websockets
from tests.support.pinned_clients import pinned_connect

async def main():
    async with pinned_connect(sys.argv[1] + "/ws/general?v=2&name=Bob", sys.argv[2]) as ws:
        await ws.send(json.dumps({"text": "hello from the peer", "sender": "Bob", "client_id": "c-1"}))
        print(json.dumps({"joined": True}), flush=True)
        try:
            while True:
                print(json.dumps(json.loads(await asyncio.wait_for(ws.recv(), 30))), flush=True)
        except websockets.ConnectionClosed:
            print(json.dumps({"closed": ws.close_code}), flush=True)
    async with pinned_connect(sys.argv[1] + "/ws/general?v=2&name=Bob", sys.argv[2]) as again:
        print(json.dumps({"again": json.loads(await asyncio.wait_for(again.recv(), 10))}), flush=True)
        try:
            await asyncio.wait_for(again.recv(), 10)
        except websockets.ConnectionClosed:
            print(json.dumps({"again_closed": again.close_code}), flush=True)

asyncio.run(main())
"""


@pytest.fixture
def hosted():
    with network(prefix="lchct") as net:
        host, peer = net.namespace("h"), net.namespace("p")
        net.link(host, HOST, peer, PEER, 24)
        driver = HostDriver(host, PORT, "desktop.host_controls:WindowHostControls")
        try:
            yield driver, peer
        finally:
            driver.close()


def _line(process: subprocess.Popen) -> dict:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, "the peer ended early"
    return json.loads(line)


def test_a_peer_on_the_network_finds_no_way_to_remove_ban_or_delete_and_the_host_bans_its_address(hosted):
    driver, peer_ns = hosted
    base = f"https://{HOST}:{PORT}"
    ws_base = base.replace("https://", "wss://")
    member = subprocess.Popen(
        ["ip", "netns", "exec", peer_ns, sys.executable, "-c", PEER_MEMBER, ws_base, driver.fingerprint],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert _line(member) == {"joined": True}
        while _line(member).get("type") != "ack":
            pass

        probe = json.loads(run_in(peer_ns, PEER_PROBE, base, driver.fingerprint, timeout=TIMEOUT))
        # No route changes anything: unknown paths are 404, the read-only ones refuse other methods.
        changed = {request: status for request, status in probe["statuses"].items() if status < 400}
        assert set(changed) <= {
            f"GET /api/rooms/general/messages {origin}" for origin in (None, "http://10.218.0.2:8080")
        }, changed
        # A delete frame is a sender's own delete: without an identity it is refused, and with one
        # only the sender's own messages may go (tests/protocol/test_message_changes.py).
        assert probe["frames"] == ["identity_required"] + ["unknown_type"] * 5
        # Nothing was removed, banned or deleted.
        members = driver.call("members", "general")
        assert [(m["name"], m["address"]) for m in members] == [("Bob", PEER)]
        assert driver.call("bans") == []

        # The host's own controls (the window's bridge calls these) ban the peer's address.
        ban = driver.call("ban", "address", PEER, "Bob")
        assert ban["value"] == PEER
        frames = []
        while "closed" not in (frame := _line(member)):
            frames.append(frame)
        assert frame == {"closed": 4021}
        assert [f["code"] for f in frames if f.get("type") == "error"] == ["banned"]
        assert _line(member)["again"]["code"] == "banned"
        assert _line(member) == {"again_closed": 4021}
        assert driver.call("members", "general") == []
        # Its HTTP requests are refused too, with a sentence.
        status, body = fetch(peer_ns, f"{base}/api/health", driver.fingerprint)
        assert (status, body.strip()) == (403, "The host of this server has banned this address.")
    finally:
        member.wait(TIMEOUT)
