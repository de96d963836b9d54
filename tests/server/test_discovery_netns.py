"""Discovery across a real network: two network namespaces joined by a veth pair.

The host (`lanchat serve --announce`) runs in one namespace, a browsing `lanchat serve --browse`
in the other; multicast goes only over the veth pair between them, never over this machine's real
interfaces. The browser's /api/discovered is loopback-only, so it is read from inside the
browser's namespace, as is the chat that joins the discovered address (over wss, pinned to the
fingerprint the announcement carried).
"""

from __future__ import annotations

import json
import signal
import time

import pytest

from server.tls.safety_code import fingerprint_in_link, safety_code
from tests.support.netns import chat, fetch, in_namespace, network, run_in, wait_for
from tests.support.server_process import ServeProcess
from tests.support.tls_hosts import host_fingerprint

pytestmark = [pytest.mark.process, pytest.mark.netns]

SUBNET = "10.213.0"
HOST_ADDRESS = f"{SUBNET}.1"
BROWSER_ADDRESS = f"{SUBNET}.2"
MOVED_ADDRESS = f"{SUBNET}.3"
# The targets: listed within 2 s of announcing (we allow slack for a loaded machine), gone
# within 5 s of withdrawing.
FOUND_WITHIN = 15.0
# A host looks at its addresses every ADDRESS_CHECK_SECONDS (5 s), then announces and is probed.
MOVED_WITHIN = 40.0
GONE_WITHIN = 5.0
ROOM = "lobby"


@pytest.fixture
def netns_pair():
    with network() as net:
        host_ns, browser_ns = net.namespace("h"), net.namespace("b")
        net.link(host_ns, HOST_ADDRESS, browser_ns, BROWSER_ADDRESS, 24)
        yield host_ns, browser_ns


def discovered(browser_ns: str, browser: ServeProcess) -> list[dict]:
    status, body = fetch(browser_ns, f"http://127.0.0.1:{browser.port}/api/discovered")
    assert status == 200, body
    return json.loads(body)["hosts"]


def start(ns: str, tmp_path, name: str, *args: str) -> ServeProcess:
    process = ServeProcess(tmp_path / name, 0, ("--host", "0.0.0.0", *args), command=in_namespace(ns))
    return process.start()


def test_a_host_announced_in_one_namespace_is_found_with_its_rooms_joined_and_gone_when_stopped(
    netns_pair, tmp_path
):
    host_ns, browser_ns = netns_pair
    host = start(host_ns, tmp_path, "host", "--announce", "--name", "Kitchen laptop")
    # A message makes a room the browser must list with the host.
    chat(host_ns, "127.0.0.1", host.port, ROOM, "first")
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
        fingerprint = host_fingerprint(host.data_dir)
        assert (found["fingerprint"], found["safety_code"]) == (
            fingerprint_in_link(fingerprint),
            safety_code(fingerprint),
        )

        # A client in the browser's namespace joins the discovered address, pinned, and chats.
        frame = chat(browser_ns, found["address"], found["port"], ROOM, "hello", fingerprint)
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


def test_a_host_whose_address_changes_is_announced_and_found_at_its_new_address(tmp_path):
    with network() as net:
        host_ns, browser_ns = net.namespace("h"), net.namespace("b")
        net.link(host_ns, HOST_ADDRESS, browser_ns, BROWSER_ADDRESS, 24)
        host = start(host_ns, tmp_path, "host", "--announce", "--name", "Moving laptop")
        browser = start(browser_ns, tmp_path, "browser", "--browse")
        try:

            def addresses() -> list[str]:
                return [h["address"] for h in discovered(browser_ns, browser) if h["name"] == "Moving laptop"]

            wait_for(lambda: HOST_ADDRESS in addresses(), FOUND_WITHIN, "the browser lists the host")
            # Its network changes under the running host: no restart, no flag.
            net.readdress(host_ns, HOST_ADDRESS, MOVED_ADDRESS, 24)
            wait_for(
                lambda: MOVED_ADDRESS in addresses(),
                MOVED_WITHIN,
                f"the host is listed at its new address; host said {host.output}",
            )
            frame = chat(browser_ns, MOVED_ADDRESS, host.port, ROOM, "found you again")
            assert frame["text"] == "found you again"
        finally:
            host.stop(signal.SIGKILL)
            browser.stop(signal.SIGKILL)


def test_the_discovered_list_is_refused_to_anyone_but_this_machine(netns_pair, tmp_path):
    host_ns, browser_ns = netns_pair
    browser = start(browser_ns, tmp_path, "browser", "--browse")
    try:
        status, body = fetch(host_ns, f"https://{BROWSER_ADDRESS}:{browser.port}/api/discovered")
        assert status == 403, body
    finally:
        browser.stop(signal.SIGKILL)


# Reads the TXT record of every lanchat service heard within a few seconds, as JSON lines.
READ_TXT = """
import json, time
from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, Zeroconf
zc = Zeroconf(ip_version=IPVersion.V4Only)
names = []
def heard(zeroconf, service_type, name, state_change):
    names.append(name)
ServiceBrowser(zc, "_lanchat._tcp.local.", handlers=[heard])
deadline = time.monotonic() + 10
while not names and time.monotonic() < deadline:
    time.sleep(0.1)
for name in names:
    info = ServiceInfo("_lanchat._tcp.local.", name)
    if info.request(zc, 3000):
        print(json.dumps({k.decode(): (v or b"").decode() for k, v in info.properties.items()}))
zc.close()
"""


def test_the_announcement_carries_the_hosts_fingerprint_for_whoever_finds_it(netns_pair, tmp_path):
    host_ns, browser_ns = netns_pair
    host = start(host_ns, tmp_path, "host", "--announce", "--name", "Kitchen laptop")
    try:
        wait_for(lambda: any(line.startswith("announcing as") for line in host.output), 10, "it announces")
        [txt] = [json.loads(line) for line in run_in(browser_ns, READ_TXT).splitlines()]
        assert txt["name"] == "Kitchen laptop"
        assert txt["fp"] == fingerprint_in_link(host_fingerprint(host.data_dir))
    finally:
        host.stop(signal.SIGKILL)


def test_two_hosts_announcing_the_same_name_are_both_listed_one_renamed(tmp_path):
    with network() as net:
        first_ns, second_ns, browser_ns = net.namespace("1"), net.namespace("2"), net.namespace("b")
        net.switch(browser_ns, BROWSER_ADDRESS, 24, [(first_ns, "10.213.0.11"), (second_ns, "10.213.0.12")])
        first = start(first_ns, tmp_path, "first", "--announce", "--name", "Same name")
        wait_for(
            lambda: any(line.startswith("announcing as") for line in first.output), 10, "first announces"
        )
        second = start(second_ns, tmp_path, "second", "--announce", "--name", "Same name")
        browser = start(browser_ns, tmp_path, "browser", "--browse")
        try:
            wait_for(
                lambda: (
                    sorted(h["address"] for h in discovered(browser_ns, browser) if h["name"] == "Same name")
                    == ["10.213.0.11", "10.213.0.12"]
                ),
                FOUND_WITHIN,
                "both hosts are listed under the name they chose",
            )

            def announcements() -> list[str]:
                return [
                    line for p in (first, second) for line in p.output if line.startswith("announcing as")
                ]

            wait_for(lambda: len(announcements()) == 2, 10, "both announce")
            assert len(set(announcements())) == 2, announcements()  # the second was renamed, and went on
        finally:
            for process in (first, second, browser):
                process.stop(signal.SIGKILL)
