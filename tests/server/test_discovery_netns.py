"""Discovery across a real network: two network namespaces joined by a veth pair.

The host (`lanchat serve --announce`) runs in one namespace, a browsing `lanchat serve --browse`
in the other; multicast goes only over the veth pair between them, never over this machine's real
interfaces. The browser's /api/discovered is loopback-only, so it is read from inside the
browser's namespace, as is the chat that joins the discovered address.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.lanchat_process import FROM_SOURCE, REPO_ROOT, ServeProcess

SUBNET = "10.213.0"
HOST_ADDRESS = f"{SUBNET}.1"
BROWSER_ADDRESS = f"{SUBNET}.2"
# The targets: listed within 2 s of announcing (we allow slack for a loaded machine), gone
# within 5 s of withdrawing.
FOUND_WITHIN = 15.0
GONE_WITHIN = 5.0
ROOM = "lobby"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _namespaces_available() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root"
    return None


@pytest.fixture
def netns_pair():
    reason = _namespaces_available()
    if reason:
        pytest.skip(reason)
    tag = str(os.getpid() % 100000)
    host_ns, browser_ns = f"lcdsc{tag}h", f"lcdsc{tag}b"
    host_if, browser_if = f"lcd{tag}h", f"lcd{tag}b"
    try:
        _ip("netns", "add", host_ns)
        _ip("netns", "add", browser_ns)
        _ip("link", "add", host_if, "type", "veth", "peer", "name", browser_if)
        for ns, iface, address in (
            (host_ns, host_if, HOST_ADDRESS),
            (browser_ns, browser_if, BROWSER_ADDRESS),
        ):
            _ip("link", "set", iface, "netns", ns)
            _ip("-n", ns, "addr", "add", f"{address}/24", "dev", iface)
            _ip("-n", ns, "link", "set", iface, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            # Multicast (mDNS) over the veth pair only: the namespaces have no other interface.
            _ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", iface)
        yield host_ns, browser_ns
    finally:
        # Deleting a namespace deletes the veth end in it, and so its peer.
        for ns in (host_ns, browser_ns):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True, timeout=10)


def in_namespace(ns: str) -> tuple[str, ...]:
    """`lanchat serve` from this checkout, inside `ns`, with discovery on there alone."""
    return ("ip", "netns", "exec", ns, "env", "LANCHAT_DISCOVERY=on", *FROM_SOURCE)


def run_in(ns: str, code: str, *args: str, timeout: float = 30) -> str:
    """Run Python `code` inside `ns` (where the browser's loopback is); its standard output."""
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


FETCH = """
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(sys.argv[1], timeout=5) as response:
        print(response.status); print(response.read().decode())
except urllib.error.HTTPError as exc:
    print(exc.code); print(exc.read().decode())
"""

CHAT = """
import asyncio, json, sys
import websockets

async def main(url, text):
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"text": text, "sender": "netns", "room": sys.argv[3]}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("text") == text:
                print(json.dumps(frame)); return

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def fetch(ns: str, url: str) -> tuple[int, str]:
    status, _, body = run_in(ns, FETCH, url).partition("\n")
    return int(status), body


def discovered(browser_ns: str, browser: ServeProcess) -> list[dict]:
    status, body = fetch(browser_ns, f"http://127.0.0.1:{browser.port}/api/discovered")
    assert status == 200, body
    return json.loads(body)["hosts"]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")


def start(ns: str, tmp_path, name: str, *args: str) -> ServeProcess:
    process = ServeProcess(tmp_path / name, 0, ("--host", "0.0.0.0", *args), command=in_namespace(ns))
    return process.start()


def test_a_host_announced_in_one_namespace_is_found_with_its_rooms_joined_and_gone_when_stopped(
    netns_pair, tmp_path
):
    host_ns, browser_ns = netns_pair
    host = start(host_ns, tmp_path, "host", "--announce", "--name", "Kitchen laptop")
    # A message makes a room the browser must list with the host.
    run_in(host_ns, CHAT, f"ws://127.0.0.1:{host.port}/ws/{ROOM}", "first", ROOM)
    browser = start(browser_ns, tmp_path, "browser", "--browse", "--name", "Browser")
    try:
        hosts = wait_for(
            lambda: [h for h in discovered(browser_ns, browser) if h["name"] == "Kitchen laptop"],
            FOUND_WITHIN,
            "the browser lists the host",
        )
        found = hosts[0]
        assert (found["address"], found["port"], found["protocol"]) == (HOST_ADDRESS, host.port, 2)
        assert ROOM in [room["name"] for room in found["rooms"]]

        # A client in the browser's namespace joins the discovered address and chats.
        frame = json.loads(
            run_in(browser_ns, CHAT, f"ws://{found['address']}:{found['port']}/ws/{ROOM}", "hello", ROOM)
        )
        assert frame["text"] == "hello"

        assert host.stop(signal.SIGTERM) == 0, host.output
        stopped_at = time.monotonic()
        wait_for(
            lambda: not [h for h in discovered(browser_ns, browser) if h["name"] == "Kitchen laptop"],
            GONE_WITHIN,
            f"the stopped host is gone from the list; host said {host.output}",
        )
        print(f"gone {time.monotonic() - stopped_at:.2f} s after the host stopped")
    finally:
        host.stop(signal.SIGKILL)
        browser.stop(signal.SIGKILL)


def test_the_discovered_list_is_refused_to_anyone_but_this_machine(netns_pair, tmp_path):
    host_ns, browser_ns = netns_pair
    browser = start(browser_ns, tmp_path, "browser", "--browse")
    try:
        status, body = fetch(host_ns, f"http://{BROWSER_ADDRESS}:{browser.port}/api/discovered")
        assert status == 403, body
    finally:
        browser.stop(signal.SIGKILL)
