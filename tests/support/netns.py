"""Network namespaces joined by veth pairs, for tests that multicast or cross subnets.

Only addresses inside the namespaces are used (10.213.0.0/24, split as the test needs), and
multicast is routed over the veth ends alone: nothing reaches this machine's real interfaces.
Every namespace is deleted at the end, which deletes its veth ends too.

A client here crosses the network as lanchat's own Python does: https/wss with
`client_context()`, the host's key checked before the request when the test knows it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from server.tls.safety_code import fingerprint_in_link
from tests.support.server_process import FROM_SOURCE, REPO_ROOT
from tests.support.waiting import wait_for

__all__ = [
    "HostDriver",
    "Network",
    "chat",
    "fetch",
    "fetch_json",
    "in_namespace",
    "namespaces_problem",
    "network",
    "run_in",
    "wait_for",
]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def namespaces_problem() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root"
    return None


class Network:
    """Namespaces named <prefix><tag><letter> (lcdsc unless a test says otherwise); `link` joins
    two with a veth pair."""

    def __init__(self, tag: str, prefix: str = "lcdsc") -> None:
        self.tag = tag
        self.prefix = prefix
        self.namespaces: list[str] = []
        self._links = 0

    def namespace(self, letter: str) -> str:
        ns = f"{self.prefix}{self.tag}{letter}"
        _ip("netns", "add", ns)
        self.namespaces.append(ns)
        _ip("-n", ns, "link", "set", "lo", "up")
        return ns

    def link(self, a: str, a_address: str, b: str, b_address: str, prefix: int) -> None:
        """A veth pair between namespaces a and b with these addresses; multicast is routed over
        it from the namespaces that have no multicast route yet."""
        self._links += 1
        a_if, b_if = (f"{self.prefix[:3]}{self.tag}{self._links}{end}" for end in "ab")
        _ip("link", "add", a_if, "type", "veth", "peer", "name", b_if)
        for ns, iface, address in ((a, a_if, a_address), (b, b_if, b_address)):
            _ip("link", "set", iface, "netns", ns)
            _ip("-n", ns, "addr", "add", f"{address}/{prefix}", "dev", iface)
            _ip("-n", ns, "link", "set", iface, "up")
            # Fails harmlessly where the namespace already routes multicast over its first link.
            subprocess.run(
                ["ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", iface], capture_output=True, timeout=10
            )

    def switch(self, ns: str, address: str, prefix: int, members: list[tuple[str, str]]) -> None:
        """One Ethernet segment: a bridge in `ns` (with `address`) and a veth from each member
        namespace to it, with the member's address; multicast reaches every member."""
        bridge = f"lcd{self.tag}br"
        _ip("-n", ns, "link", "add", bridge, "type", "bridge")
        _ip("-n", ns, "addr", "add", f"{address}/{prefix}", "dev", bridge)
        _ip("-n", ns, "link", "set", bridge, "up")
        _ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", bridge)
        for member, member_address in members:
            self._links += 1
            port, member_if = f"lcd{self.tag}{self._links}p", f"lcd{self.tag}{self._links}m"
            _ip("link", "add", member_if, "type", "veth", "peer", "name", port)
            _ip("link", "set", port, "netns", ns)
            _ip("-n", ns, "link", "set", port, "master", bridge)
            _ip("-n", ns, "link", "set", port, "up")
            _ip("link", "set", member_if, "netns", member)
            _ip("-n", member, "addr", "add", f"{member_address}/{prefix}", "dev", member_if)
            _ip("-n", member, "link", "set", member_if, "up")
            _ip("-n", member, "route", "add", "224.0.0.0/4", "dev", member_if)

    def readdress(self, ns: str, old: str, new: str, prefix: int) -> None:
        """The interface holding `old` in `ns` takes `new` instead, as a laptop that changes
        networks does."""
        shown = subprocess.run(
            ["ip", "-n", ns, "-o", "-4", "addr", "show"],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
        (iface,) = [line.split()[1] for line in shown.splitlines() if f" {old}/" in line]
        _ip("-n", ns, "addr", "del", f"{old}/{prefix}", "dev", iface)
        _ip("-n", ns, "addr", "add", f"{new}/{prefix}", "dev", iface)

    def route(self, ns: str, destination: str, via: str) -> None:
        _ip("-n", ns, "route", "add", destination, "via", via)

    def forward(self, ns: str) -> None:
        """Let `ns` route between its links (unicast only: mDNS stays on each link)."""
        subprocess.run(
            ["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"],
            check=True,
            capture_output=True,
            timeout=10,
        )

    def close(self) -> None:
        for ns in self.namespaces:
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True, timeout=10)


@contextmanager
def network(prefix: str = "lcdsc") -> Iterator[Network]:
    reason = namespaces_problem()
    if reason:
        pytest.skip(reason)
    net = Network(str(os.getpid() % 100000), prefix)
    try:
        yield net
    finally:
        net.close()


def in_namespace(ns: str, command: tuple[str, ...] = FROM_SOURCE) -> tuple[str, ...]:
    """`lanchat serve` (from this checkout unless `command` says otherwise), inside `ns`, with
    discovery on there alone."""
    return ("ip", "netns", "exec", ns, "env", "LANCHAT_DISCOVERY=on", *command)


def run_in(ns: str, code: str, *args: str, timeout: float = 30) -> str:
    """Run Python `code` inside `ns` (where that namespace's loopback is); its standard output."""
    result = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"in {ns}: {result.stderr}")
    return result.stdout


# One GET: over TLS (pinned to argv[2] when given) for an https URL, plain for an http one (the
# front door's answers to plain HTTP are what some tests look at). No proxy, no redirects followed.
FETCH = """
import http.client, sys, urllib.parse
from server.peers.pinned_tls import PinnedHTTPSConnection
from server.tls.safety_code import fingerprint_from_link
url = urllib.parse.urlsplit(sys.argv[1])
expected = fingerprint_from_link(sys.argv[2]) if sys.argv[2] else None
if url.scheme == "https":
    connection = PinnedHTTPSConnection(url.hostname, url.port, expected, 5)
else:
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
connection.request("GET", url.path + ("?" + url.query if url.query else ""))
response = connection.getresponse()
print(response.status); print(response.read().decode())
"""


def _pin(fingerprint: bytes | str | None) -> str:
    """A fingerprint as a command line carries it (a join link's form; "" for none)."""
    return fingerprint_in_link(fingerprint) if isinstance(fingerprint, bytes) else fingerprint or ""


def fetch(ns: str, url: str, fingerprint: bytes | str | None = None) -> tuple[int, str]:
    """(status, body) of GET `url` from inside `ns`; an https URL's host must hold `fingerprint`."""
    status, _, body = run_in(ns, FETCH, url, _pin(fingerprint)).partition("\n")
    return int(status), body


def fetch_json(ns: str, url: str, fingerprint: bytes | str | None = None) -> Any:
    status, body = fetch(ns, url, fingerprint)
    assert status == 200, body
    return json.loads(body)


CHAT = """
import asyncio, json, sys
from tests.support.pinned_clients import pinned_connect

async def main(url, text, room, pin):
    async with pinned_connect(url, pin) as ws:
        await ws.send(json.dumps({"text": text, "sender": "netns", "room": room}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("text") == text:
                print(json.dumps(frame)); return

asyncio.run(main(*sys.argv[1:5]))
"""


def chat(
    ns: str, address: str, port: int, room: str, text: str, fingerprint: bytes | str | None = None
) -> dict:
    """From inside `ns`, join `room` at address:port as a seed client over wss (the host's key
    checked against `fingerprint` when given), send `text`, get it back."""
    shown = f"[{address}]" if ":" in address else address
    frame: dict = json.loads(
        run_in(ns, CHAT, f"wss://{shown}:{port}/ws/{room}", text, room, _pin(fingerprint))
    )
    return frame


# Runs in a namespace: the window's server (a server thread with a hosting listener) and one of
# the window's control objects, called one JSON line at a time.
HOST_DRIVER = """
import importlib, json, sys, tempfile
from pathlib import Path
from server.config import ServerConfig
from server.runtime.runner import ServerThread

module, _, name = sys.argv[2].partition(":")
data = Path(tempfile.mkdtemp())
server = ServerThread(ServerConfig(host="127.0.0.1", port=0, data_dir=data, ui_dir=data / "no-ui"))
server.bind()
server.start()
server.start_listener("0.0.0.0", int(sys.argv[1]))
controls = getattr(importlib.import_module(module), name)(server)
print(json.dumps({"ready": server.port, "fingerprint": server.app.state.tls.link_fingerprint}), flush=True)
for line in sys.stdin:
    command, *args = json.loads(line)
    if command == "stop":
        break
    print(json.dumps({"result": getattr(controls, command)(*args)}), flush=True)
server.stop_listener()
server.stop()
"""


class HostDriver:
    """A hosting window's server inside `ns` on `port`, and its `controls` ("module:Class", built
    from the server thread) to call as the window's bridge does."""

    def __init__(self, ns: str, port: int, controls: str) -> None:
        command = (sys.executable, "-c", HOST_DRIVER, str(port), controls)
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", ns, "env", "LANCHAT_DISCOVERY=off", *command],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._read()
        assert "ready" in ready
        # The host's key as a join link carries it: clients in other namespaces pin it.
        self.fingerprint: str = ready["fingerprint"]

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the host driver ended"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def call(self, command: str, *args: object) -> object:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps([command, *args]) + "\n")
        self.process.stdin.flush()
        return self._read()["result"]

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(["stop"]) + "\n")
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
