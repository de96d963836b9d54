"""A man in the middle between the window and a host it joined before, in network namespaces.

Three namespaces on one Ethernet segment (a bridge in `m`): the window's side `w` (its pinned
gateway, desktop/gateway.py, and a page-like client talking to it on w's loopback), the host `h`
(`lanchat serve`), and the attacker `m`. The window first joins the host at 10.219.0.2, its
private room with its password, an identity secret and a message. Then the attacker takes that
address (as ARP spoofing would) and runs a TLS-terminating proxy there with its own certificate,
relaying to the real host at 10.219.0.4 and writing down every byte the window would send it.
The window must stop with "identity changed" and send nothing; first contact through a join
link's #fp= must be refused the same way. A client that does not pin, through the same proxy,
shows the capture would have caught the plaintext.
"""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.netns import network, run_in
from tests.support.rooms import private_room_args
from tests.support.server_process import FROM_SOURCE, REPO_ROOT, ServeProcess

pytestmark = [pytest.mark.process, pytest.mark.netns]

WINDOW = "10.219.0.1"
ATTACKER = "10.219.0.3"
HOST = "10.219.0.2"  # the address the window joined; the attacker takes it
HOST_AFTER = "10.219.0.4"  # where the real host stays reachable for the proxy
PREFIX = 24

# Runs in w: the window's gateway with its pins in argv[2], then what the page would do through it.
WINDOW_SIDE = r"""
import json, pathlib, sys
from websockets.sync.client import connect
from desktop.gateway import Gateway
from server.tls.pins import PinStore
from server.tls.safety_code import fingerprint_from_link

host, pins, fp, password, secret, text = sys.argv[1:7]
pathlib.Path(pins).mkdir(parents=True, exist_ok=True)
gateway = Gateway(PinStore(pathlib.Path(pins)), connect_seconds=10)
opened = gateway.open(host, fingerprint_from_link(fp) if fp else None)
result = {"opened": opened}
# The page goes on through the gateway whatever the answer (as a room restored at start does).
via = opened.get("via") or gateway.route(host)

def until(ws, kind):
    while True:
        frame = json.loads(ws.recv(timeout=10))
        if frame["type"] in (kind, "error"):
            return frame

try:
    with connect(f"ws://{via}/ws/team?v=2&name=Anna", origin="http://127.0.0.1:45123", open_timeout=10) as ws:
        ws.send(json.dumps({"type": "password", "password": password}))
        assert until(ws, "entered")["type"] == "entered"
        ws.send(json.dumps({"type": "hello", "secret": secret}))
        assert until(ws, "identified")["type"] == "identified"
        ws.send(json.dumps({"type": "message", "sender": "Anna", "text": text, "client_id": "c1"}))
        result["posted"] = until(ws, "message")["text"]
except Exception as exc:
    result["page"] = type(exc).__name__
gateway.stop()
print(json.dumps(result))
"""

# Runs in m: the attacker's TLS-terminating proxy, with a certificate of its own, relaying to the
# real host over TLS and writing down what the client sends once TLS is off it.
PROXY = r"""
import asyncio, pathlib, sys, tempfile
from server.tls.contexts import client_context, server_context
from server.tls.host_identity import load_or_create

listen, upstream, port, folder = sys.argv[1], sys.argv[2], int(sys.argv[3]), pathlib.Path(sys.argv[4])
context = server_context(load_or_create(pathlib.Path(tempfile.mkdtemp()), [listen]))
folder.mkdir(parents=True, exist_ok=True)
connections = 0

async def pump(reader, writer, capture):
    try:
        while data := await reader.read(65536):
            if capture is not None:
                with capture.open("ab") as out:
                    out.write(data)
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()

async def handle(reader, writer):
    # Called once the TLS handshake with the client is done: from here on it is plaintext.
    global connections
    connections += 1
    capture = folder / f"connection-{connections}.bin"
    capture.write_bytes(b"")
    up_reader, up_writer = await asyncio.open_connection(upstream, port, ssl=client_context())
    await asyncio.gather(pump(reader, up_writer, capture), pump(up_reader, writer, None))

async def main():
    server = await asyncio.start_server(handle, listen, port, ssl=context)
    print("ready", flush=True)
    await server.serve_forever()

asyncio.run(main())
"""

# Runs in w: a client that checks nothing (no pin), through the same address, as a control.
UNPINNED = r"""
import json, sys
from websockets.sync.client import connect
from server.tls.contexts import client_context
with connect(sys.argv[1], ssl=client_context(), open_timeout=10) as ws:
    ws.send(json.dumps({"text": sys.argv[2], "sender": "control", "room": "lobby"}))
    while json.loads(ws.recv(timeout=10)).get("text") != sys.argv[2]:
        pass
print("ok")
"""


def plaintext(capture: bytes) -> bytes:
    """What a client sent on one connection, as the proxy read it: the HTTP request, and the
    payloads of its WebSocket frames unmasked (a client masks every frame it sends)."""
    head, sep, rest = capture.partition(b"\r\n\r\n")
    if not sep or b"upgrade: websocket" not in head.lower():
        return capture
    payloads = [head]
    while len(rest) >= 2:
        length, at = rest[1] & 0x7F, 2
        if length == 126:
            length, at = int.from_bytes(rest[2:4], "big"), 4
        elif length == 127:
            length, at = int.from_bytes(rest[2:10], "big"), 10
        mask, at = rest[at : at + 4], at + 4
        payload = rest[at : at + length]
        payloads.append(bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload)))
        rest = rest[at + length :]
    return b"\n".join(payloads)


def heard_by(folder: Path) -> tuple[int, bytes]:
    """How many connections reached the proxy past TLS, and all they sent, in plaintext."""
    files = sorted(folder.glob("connection-*.bin"))
    return len(files), b"\n".join(plaintext(path.read_bytes()) for path in files)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def interface_with(ns: str, address: str) -> str:
    out = subprocess.run(
        ["ip", "-n", ns, "-o", "-4", "addr", "show"], check=True, capture_output=True, text=True, timeout=10
    ).stdout
    for line in out.splitlines():
        if f" {address}/" in line:
            return line.split()[1]
    raise AssertionError(f"{address} is on no interface of {ns}:\n{out}")


def window_side(ns: str, pins: Path, fp: str, password: str, secret: str, text: str) -> dict:
    args = (f"{HOST}:{PORT_HOLDER['port']}", str(pins), fp, password, secret, text)
    return json.loads(run_in(ns, WINDOW_SIDE, *args, timeout=90))


PORT_HOLDER: dict[str, int] = {}


def test_a_man_in_the_middle_with_its_own_certificate_is_stopped_and_hears_nothing(tmp_path):
    password = "mitm-password-" + secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    texts = ["first message " + secrets.token_hex(6), "second message " + secrets.token_hex(6)]
    capture = tmp_path / "capture"
    with network(prefix="lcmitm") as net:
        w, h, m = net.namespace("w"), net.namespace("h"), net.namespace("m")
        net.switch(m, ATTACKER, PREFIX, [(w, WINDOW), (h, HOST_AFTER)])
        host_if = interface_with(h, HOST_AFTER)
        _ip("-n", h, "addr", "add", f"{HOST}/{PREFIX}", "dev", host_if)
        command = ("ip", "netns", "exec", h, "env", "LANCHAT_DISCOVERY=off", *FROM_SOURCE)
        args = ("--host", "0.0.0.0", *private_room_args(tmp_path, "team", password))
        host = ServeProcess(tmp_path / "host", 0, args, command=command).start()
        proxy = None
        try:
            PORT_HOLDER["port"] = host.port
            pins = tmp_path / "window"

            # Joined before: first contact pins the real host's key; the page chats through it.
            before = window_side(w, pins, "", password, secret, texts[0])
            assert before["opened"]["first_contact"] is True, before
            assert before.get("posted") == texts[0], before

            # The attacker takes the host's address and answers there with its own certificate.
            _ip("-n", h, "addr", "del", f"{HOST}/{PREFIX}", "dev", host_if)
            attacker_if = interface_with(m, ATTACKER)
            _ip("-n", m, "addr", "add", f"{HOST}/{PREFIX}", "dev", attacker_if)
            _ip("-n", w, "neigh", "flush", "all")
            proxy = subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    m,
                    sys.executable,
                    "-c",
                    PROXY,
                    HOST,
                    HOST_AFTER,
                    str(host.port),
                    str(capture),
                ],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert proxy.stdout is not None and proxy.stdout.readline().strip() == "ready"

            after = window_side(w, pins, "", password, secret, texts[1])
            assert after["opened"]["problem"] == "identity_changed", after
            assert after["opened"]["old_code"] != after["opened"]["new_code"]
            assert "posted" not in after and "page" in after, after

            # First contact through a join link naming the real host's key: refused the same way.
            linked = window_side(w, tmp_path / "fresh-window", fingerprint(host), password, secret, texts[1])
            assert linked["opened"]["problem"] == "identity_changed", linked
            assert "posted" not in linked, linked

            # The gateway made its TLS handshakes with the proxy (one per open) and sent nothing.
            connections, heard = heard_by(capture)
            assert connections >= 2, "the window's gateway reached the proxy"
            for known in (password, secret, *texts, "team", "hello", "Anna"):
                assert known.encode() not in heard, f"the man in the middle read {known!r}"
            assert heard.strip() == b"", heard[:200]

            # A client that pins nothing, through the same proxy: the capture does catch plaintext.
            control = "control " + secrets.token_hex(6)
            assert run_in(w, UNPINNED, f"wss://{HOST}:{host.port}/ws/lobby", control).strip() == "ok"
            assert control.encode() in heard_by(capture)[1]
        finally:
            if proxy is not None:
                proxy.kill()
                proxy.wait(10)
            host.stop(signal.SIGKILL)


def fingerprint(host: ServeProcess) -> str:
    """The real host's fingerprint as its join link carries it (from its own data folder)."""
    from cryptography import x509

    from server.tls.host_identity import CERT_FILE, spki_fingerprint
    from server.tls.safety_code import fingerprint_in_link

    certificate = x509.load_pem_x509_certificate((host.data_dir / CERT_FILE).read_bytes())
    return fingerprint_in_link(spki_fingerprint(certificate))
