"""Hosts not heard over mDNS: remembered ones (joined once by address) and ones a peer names.

Real `lanchat serve` processes in network namespaces (tests/support/netns.py): a browser "a", a peer
"b", and a far host "c" on another subnet that only unicast reaches (b routes between the two
links, and mDNS never crosses a router). Each list is read from inside its own namespace, since
/api/discovered answers this machine only. Every probe and client here speaks TLS; each host's key
is checked against the fingerprint known for it.
"""

from __future__ import annotations

import signal

import pytest

from server.peers.prober import PROBE_TIMEOUT_SECONDS, REFRESH_SECONDS
from server.tls.safety_code import fingerprint_in_link, safety_code
from tests.support.netns import chat, fetch_json, in_namespace, network, wait_for
from tests.support.server_process import ServeProcess
from tests.support.tls_hosts import host_fingerprint

pytestmark = [pytest.mark.process, pytest.mark.netns]

# Found and probed: an announcement's round trip plus a probe, with slack for a loaded machine.
FOUND_WITHIN = 15.0
# A host that stops answering is noticed by the next refresh's probe.
SILENT_WITHIN = REFRESH_SECONDS + 2 * PROBE_TIMEOUT_SECONDS + 3
FAR_PORT = 18765  # fixed, so the browser can remember it before it answers; namespaced, so free


@pytest.fixture
def net():
    with network() as built:
        yield built


def start(ns: str, tmp_path, name: str, *args: str, port: int = 0) -> ServeProcess:
    process = ServeProcess(tmp_path / name, port, ("--host", "0.0.0.0", *args), command=in_namespace(ns))
    return process.start()


def listed(ns: str, browser: ServeProcess) -> dict[str, dict]:
    answer = fetch_json(ns, f"http://127.0.0.1:{browser.port}/api/discovered")  # loopback: plain
    return {f"{h['address']}:{h['port']}": h for h in answer["hosts"]}


def test_a_remembered_host_is_listed_only_while_it_answers(net, tmp_path):
    a, c = net.namespace("a"), net.namespace("c")
    net.link(a, "10.213.0.1", c, "10.213.0.2", 24)
    far = f"10.213.0.2:{FAR_PORT}"
    browser = start(a, tmp_path, "browser", "--browse", "--known-host", far)
    host = None
    try:
        assert far not in listed(a, browser), "nothing answers there yet"
        host = start(c, tmp_path, "far", port=FAR_PORT)  # not announcing: only remembered
        entry = wait_for(lambda: listed(a, browser).get(far), SILENT_WITHIN, "the remembered host is listed")
        assert entry["source"] == "remembered" and entry["protocol"] == 2
        assert entry["fingerprint"] == fingerprint_in_link(host_fingerprint(host.data_dir))
        assert host.stop(signal.SIGTERM) == 0
        wait_for(lambda: far not in listed(a, browser), SILENT_WITHIN, "a silent remembered host is gone")
    finally:
        browser.stop(signal.SIGKILL)
        if host is not None:
            host.stop(signal.SIGKILL)


def test_another_key_at_a_remembered_address_is_an_identity_change_marked_as_such_and_never_shared(
    net, tmp_path
):
    a, c = net.namespace("a"), net.namespace("c")
    net.link(a, "10.213.0.1", c, "10.213.0.2", 24)
    far = f"10.213.0.2:{FAR_PORT}"
    browser = start(a, tmp_path, "browser", "--browse", "--known-host", far)
    hosts = []
    try:
        hosts.append(start(c, tmp_path, "far", port=FAR_PORT))
        wait_for(lambda: listed(a, browser).get(far), SILENT_WITHIN, "the remembered host is listed")
        hosts[0].stop(signal.SIGTERM)
        # Another machine (another data folder: another key) takes the address and the port.
        hosts.append(start(c, tmp_path, "impostor", port=FAR_PORT))
        impostor_code = safety_code(host_fingerprint(hosts[1].data_dir))
        wait_for(
            lambda: any(
                "presented another identity" in line and impostor_code in line for line in browser.output
            ),
            SILENT_WITHIN,
            "the browser notices the changed key",
        )
        # This machine's list marks it (with nothing asked of it); what others read never has it.
        entry = wait_for(lambda: listed(a, browser).get(far), 5, "the changed host is listed as such")
        assert (entry["identity_changed"], entry["rooms"]) == (True, [])
        assert entry["presented_safety_code"] == impostor_code
        shared = fetch_json(a, f"http://127.0.0.1:{browser.port}/api/hosts")["hosts"]
        assert far not in {f"{h['address']}:{h['port']}" for h in shared}
    finally:
        browser.stop(signal.SIGKILL)
        for host in hosts:
            host.stop(signal.SIGKILL)


def test_a_host_known_only_through_a_peer_is_listed_and_joinable(net, tmp_path):
    a, b, c = net.namespace("a"), net.namespace("b"), net.namespace("c")
    net.link(a, "10.213.0.10", b, "10.213.0.11", 25)
    net.link(b, "10.213.0.129", c, "10.213.0.130", 25)
    net.forward(b)
    net.route(a, "10.213.0.128/25", "10.213.0.11")
    net.route(c, "10.213.0.0/25", "10.213.0.129")
    processes = []
    try:
        far = start(c, tmp_path, "far", "--announce", "--name", "Far host")
        processes.append(far)
        chat(c, "127.0.0.1", far.port, "attic", "first")  # a room the browser should list
        peer = start(b, tmp_path, "peer", "--announce", "--browse", "--name", "Peer host")
        processes.append(peer)
        browser = start(a, tmp_path, "browser", "--browse")
        processes.append(browser)

        far_key = f"10.213.0.130:{far.port}"
        entry = wait_for(lambda: listed(a, browser).get(far_key), FOUND_WITHIN + REFRESH_SECONDS, "far host")
        assert (entry["name"], entry["source"]) == ("Far host", "peer")
        assert "attic" in [room["name"] for room in entry["rooms"]]
        names = {h["name"]: h["source"] for h in listed(a, browser).values()}
        assert names == {"Far host": "peer", "Peer host": "found"}

        far_fingerprint = host_fingerprint(far.data_dir)
        assert (entry["fingerprint"], entry["safety_code"]) == (
            fingerprint_in_link(far_fingerprint),
            safety_code(far_fingerprint),
        )

        # What the peer tells anyone on the network (over TLS, its key checked): hosts, when
        # they answered and their keys, nothing more.
        peer_url = f"https://10.213.0.11:{peer.port}/api/hosts"
        shared = fetch_json(a, peer_url, host_fingerprint(peer.data_dir))["hosts"]
        assert [(h["name"], h["address"], h["port"]) for h in shared] == [
            ("Far host", "10.213.0.130", far.port)
        ]
        assert set(shared[0]) == {
            "name",
            "address",
            "port",
            "protocol",
            "last_answered",
            "fingerprint",
            "safety_code",
        }
        assert shared[0]["fingerprint"] == fingerprint_in_link(far_fingerprint)

        said = chat(a, entry["address"], entry["port"], "attic", "hello from a", far_fingerprint)
        assert said["text"] == "hello from a"
    finally:
        for process in processes:
            process.stop(signal.SIGKILL)
