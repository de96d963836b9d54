"""The limits for an address on the network, from a real peer: a client in its own network
namespace (10.215.0.2) against `lanchat serve` in another (10.215.0.1), joined by a veth pair.
The peer speaks TLS, as everything from the network does (the host's key checked); the server's
own machine seeds rooms over loopback."""

from __future__ import annotations

import json

import pytest

from server.policy import (
    ADDRESS_RATE_LIMIT_BURST,
    ADDRESS_RATE_LIMIT_PER_SECOND,
    MAX_CONNECTIONS_PER_ADDRESS,
    MAX_ROOM_SOCKETS_PER_ADDRESS,
    NEW_ROOMS_BURST,
    RATE_LIMIT_BURST,
)
from server.protocol.codes import CloseCode, ErrorCode
from server.tls.safety_code import fingerprint_in_link
from tests.support.netns import chat, network, run_in
from tests.support.server_process import FROM_SOURCE, ServeProcess
from tests.support.tls_hosts import host_fingerprint

pytestmark = [pytest.mark.process, pytest.mark.netns]

SERVER_ADDRESS = "10.215.0.1"
PEER_ADDRESS = "10.215.0.2"
FLOOD_CONNECTIONS = 50


@pytest.fixture
def peer_and_server(tmp_path):
    """The peer's namespace and a server listening in the other one."""
    with network(prefix="lclim") as net:
        server_ns, peer_ns = net.namespace("s"), net.namespace("p")
        net.link(server_ns, SERVER_ADDRESS, peer_ns, PEER_ADDRESS, 24)
        command = ("ip", "netns", "exec", server_ns, *FROM_SOURCE)
        # All addresses inside its own namespace: the peer's side and that namespace's loopback.
        server = ServeProcess(tmp_path / "data", 0, ("--host", "0.0.0.0"), command=command).start()
        try:
            yield peer_ns, server_ns, server
        finally:
            server.stop()


SEED_ROOMS = """
import asyncio, json, sys
import websockets

async def main(base, count):
    for i in range(count):
        async with websockets.connect(f"{base}/ws/flood-{i}") as ws:
            await ws.send(json.dumps({"text": "setup", "sender": "Host"}))
            await asyncio.wait_for(ws.recv(), 5)

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def pin(server: ServeProcess) -> str:
    return fingerprint_in_link(host_fingerprint(server.data_dir))


FLOOD = """
import asyncio, json, sys, time
from tests.support.pinned_clients import pinned_connect

async def main(base, connections, per_connection, pin):
    # after=1: the rooms' one message from the setup is not replayed
    sockets = [await pinned_connect(f"{base}/ws/flood-{i}?after=1", pin) for i in range(connections)]
    started = time.monotonic()
    for i, ws in enumerate(sockets):
        for n in range(per_connection):
            await ws.send(json.dumps({"text": f"m{n}", "sender": f"Flooder {i}"}))
    stored, refusals = 0, []
    for ws in sockets:
        for _ in range(per_connection):
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("type") == "error":
                refusals.append(frame)
            else:
                stored += 1
    # Until the last answer: the server reads a limited connection again only after a pause.
    elapsed = time.monotonic() - started
    for ws in sockets:
        await ws.close()
    print(json.dumps({"stored": stored, "refusals": refusals, "elapsed": elapsed}))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
"""


def test_fifty_connections_from_one_address_share_its_rate_limit_and_another_address_is_not_slowed(
    peer_and_server,
):
    peer_ns, server_ns, server = peer_and_server
    base = f"wss://{SERVER_ADDRESS}:{server.port}"
    # The rooms exist already (made from the server's own machine), as the peer may make only
    # NEW_ROOMS_BURST new ones at once.
    run_in(server_ns, SEED_ROOMS, f"ws://127.0.0.1:{server.port}", str(FLOOD_CONNECTIONS))
    # Each connection stays inside its own burst; together they pass the address's many times over.
    flood = (base, str(FLOOD_CONNECTIONS), str(RATE_LIMIT_BURST), pin(server))
    result = json.loads(run_in(peer_ns, FLOOD, *flood))
    sent = FLOOD_CONNECTIONS * RATE_LIMIT_BURST
    assert result["stored"] + len(result["refusals"]) == sent
    allowed = ADDRESS_RATE_LIMIT_BURST + ADDRESS_RATE_LIMIT_PER_SECOND * (result["elapsed"] + 1.0)
    assert ADDRESS_RATE_LIMIT_BURST <= result["stored"] <= allowed, result["stored"]
    refusal = result["refusals"][0]
    assert refusal["code"] == ErrorCode.RATE_LIMITED and "your address" in refusal["detail"]
    assert refusal["retry_after"] > 0
    # Right after, the server's own machine (another address) chats as usual.
    assert chat(server_ns, "127.0.0.1", server.port, "quiet", "unhurried")["text"] == "unhurried"


CAPS = """
import asyncio, base64, json, os, socket, sys
import websockets
from server.peers.pinned_tls import checked_identity
from server.tls.contexts import client_context
from server.tls.safety_code import fingerprint_from_link
from tests.support.pinned_clients import pinned_connect

host, port, room_sockets, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pin = sys.argv[5]

def connect():
    sock = client_context().wrap_socket(socket.create_connection((host, port), timeout=5))
    checked_identity(sock, fingerprint_from_link(pin))
    return sock

def handshake():
    sock = connect()
    key = base64.b64encode(os.urandom(16)).decode()
    head = (f"GET /ws/general HTTP/1.1\\r\\nHost: {host}:{port}\\r\\nUpgrade: websocket\\r\\n"
            f"Connection: Upgrade\\r\\nSec-WebSocket-Key: {key}\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n")
    sock.sendall(head.encode())
    return sock, sock.recv(4096)

held, statuses = [], []
for _ in range(room_sockets):
    sock, answer = handshake()
    held.append(sock)
    statuses.append(answer.split(b" ")[1].decode())

async def refused_socket():
    async with pinned_connect(f"wss://{host}:{port}/ws/general", pin) as ws:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
        try:
            await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as closed:
            return frame, closed.rcvd.code
frame, code = asyncio.run(refused_socket())

# The rest of the connection cap, as connections that send nothing yet (the front door counts
# them the moment they are made), the cap's own one over TLS.
for _ in range(connections - room_sockets - 1):
    held.append(socket.create_connection((host, port), timeout=5))
held.append(connect())
health = f"GET /api/health HTTP/1.1\\r\\nHost: {host}\\r\\nConnection: close\\r\\n\\r\\n"
held[-1].sendall(health.encode())
last = held[-1].recv(100).split(b" ")[1].decode()
held[-1].close()
held[-1] = socket.create_connection((host, port), timeout=5)
# One past the cap: the plain 503 at once, before its handshake (which then fails: not TLS).
over = socket.create_connection((host, port), timeout=5).recv(4096).decode()
seen = {"statuses": sorted(set(statuses)), "frame": frame, "code": code, "last": last, "over": over}
print(json.dumps(seen))
"""


def test_an_address_on_the_network_gets_its_own_smaller_caps_at_their_edges(peer_and_server):
    peer_ns, server_ns, server = peer_and_server
    result = json.loads(
        run_in(
            peer_ns,
            CAPS,
            SERVER_ADDRESS,
            str(server.port),
            str(MAX_ROOM_SOCKETS_PER_ADDRESS),
            str(MAX_CONNECTIONS_PER_ADDRESS),
            pin(server),
        )
    )
    assert result["statuses"] == ["101"]  # all MAX_ROOM_SOCKETS_PER_ADDRESS of them
    assert result["frame"]["code"] == ErrorCode.TOO_MANY_CONNECTIONS
    assert str(MAX_ROOM_SOCKETS_PER_ADDRESS) in result["frame"]["detail"]
    assert result["code"] == CloseCode.TOO_MANY_CONNECTIONS
    assert result["last"] == "200"  # the cap's own connection is served
    assert result["over"].startswith("HTTP/1.1 503") and PEER_ADDRESS in result["over"]
    # Meanwhile this machine's own clients are unaffected.
    assert chat(server_ns, "127.0.0.1", server.port, "general", "still fine")["text"] == "still fine"


NEW_ROOMS = """
import asyncio, json, sys
import websockets
from tests.support.pinned_clients import pinned_connect

base, count, pin = sys.argv[1], int(sys.argv[2]), sys.argv[3]

async def join(room):
    async with pinned_connect(f"{base}/ws/{room}?v=2", pin) as ws:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
        while frame["type"] == "message":  # the room's history comes first
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if frame["type"] == "welcome":
            return {"welcome": True}
        try:
            await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as closed:
            return {"welcome": False, "frame": frame, "code": closed.rcvd.code}

async def main():
    made = [await join(f"new-{index}") for index in range(count)]
    print(json.dumps({"made": made, "over": await join("one-more"), "existing": await join("lobby")}))

asyncio.run(main())
"""


def test_an_address_on_the_network_makes_its_burst_of_new_rooms_and_the_next_is_refused_with_4012(
    peer_and_server,
):
    peer_ns, server_ns, server = peer_and_server
    base = f"wss://{SERVER_ADDRESS}:{server.port}"
    assert chat(server_ns, "127.0.0.1", server.port, "lobby", "hi")["text"] == "hi"  # a room that exists
    result = json.loads(run_in(peer_ns, NEW_ROOMS, base, str(NEW_ROOMS_BURST), pin(server)))
    assert all(joined["welcome"] for joined in result["made"])  # each new (and gone again once left)
    over = result["over"]
    assert over["frame"]["code"] == ErrorCode.TOO_MANY_NEW_ROOMS and over["frame"]["retry_after"] > 0
    assert over["code"] == CloseCode.TOO_MANY_NEW_ROOMS
    assert result["existing"] == {"welcome": True}  # rooms that exist stay open to it
    # This machine makes rooms as it likes.
    assert chat(server_ns, "127.0.0.1", server.port, "one-more", "mine")["text"] == "mine"
