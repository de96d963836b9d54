"""The connection doctor across a real network: the doctor in one namespace, hosts in others.

Namespace `a` runs the doctor (`lanchat serve`, asked on its loopback). Namespace `b` holds a
lanchat host (reached over TLS, its key checked), a plain web server that is not lanchat, and a
port nobody listens on. Namespace `d` is
behind a firewall that drops every packet (iptables DROP inside it). Namespace `c` never answers
either, another way: packets reach it, but it has no route back (a /32 and no other route).
Addresses are inside the namespaces only; nothing leaves them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from server.peers.doctor import CONNECT_TIMEOUT_SECONDS, DOCTOR_HEADER
from server.tls.safety_code import fingerprint_in_link, safety_code
from tests.support.server_process import FROM_SOURCE, REPO_ROOT, ServeProcess
from tests.support.tls_hosts import host_fingerprint, identity_in

pytestmark = [pytest.mark.process, pytest.mark.netns]

DOCTOR_ADDRESS = "10.214.0.1"  # in a, towards b
HOST_ADDRESS = "10.214.0.2"  # in b
SILENT_ADDRESS = "10.214.0.130"  # in c, reached from a's 10.214.0.129/26
FIREWALLED_ADDRESS = "10.214.0.194"  # in d, reached from a's 10.214.0.193/26
NO_ROUTE_ADDRESS = "10.214.1.1"  # a has no route there
WEB_PORT = 8080
CLOSED_PORT = 8999
# `ip netns exec` puts /etc/netns/NS/hosts over /etc/hosts: a name for b, known to a only.
NAME_FOR_HOST = "chat-box.example"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def network():
    if shutil.which("ip") is None:
        pytest.skip("the ip command (iproute2) is not installed")
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("iptables") is None:
        pytest.skip("iptables is not installed (Debian package iptables)")
    tag = str(os.getpid() % 100000)
    a, b, c, d = f"lcdoc{tag}a", f"lcdoc{tag}b", f"lcdoc{tag}c", f"lcdoc{tag}d"
    etc = Path("/etc/netns") / a
    try:
        for ns in (a, b, c, d):
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        for peer in ("b", "c", "d"):
            _ip("link", "add", f"lcdo{tag}a{peer}", "type", "veth", "peer", "name", f"lcdo{tag}{peer}a")
        for ns, iface, address in (
            (a, f"lcdo{tag}ab", f"{DOCTOR_ADDRESS}/25"),
            (b, f"lcdo{tag}ba", f"{HOST_ADDRESS}/25"),
            (a, f"lcdo{tag}ac", "10.214.0.129/26"),
            (c, f"lcdo{tag}ca", f"{SILENT_ADDRESS}/32"),
            (a, f"lcdo{tag}ad", "10.214.0.193/26"),
            (d, f"lcdo{tag}da", f"{FIREWALLED_ADDRESS}/26"),
        ):
            _ip("link", "set", iface, "netns", ns)
            _ip("-n", ns, "addr", "add", address, "dev", iface)
            _ip("-n", ns, "link", "set", iface, "up")
        subprocess.run(
            ["ip", "netns", "exec", d, "iptables", "-A", "INPUT", "-j", "DROP"], check=True, timeout=10
        )
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "hosts").write_text(f"127.0.0.1 localhost\n{HOST_ADDRESS} {NAME_FOR_HOST}\n")
        yield a, b
    finally:
        for ns in (a, b, c, d):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True, timeout=10)
        shutil.rmtree(etc, ignore_errors=True)


def serve_in(ns: str, data: Path) -> ServeProcess:
    command = ("ip", "netns", "exec", ns, *FROM_SOURCE)
    return ServeProcess(data, 0, ("--host", "0.0.0.0"), command=command).start()


ASK = """
import sys, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
request = urllib.request.Request(sys.argv[1], headers={sys.argv[2]: "1"})
try:
    with opener.open(request, timeout=30) as response:
        print(response.read().decode())
except urllib.error.HTTPError as exc:
    print(exc.read().decode())
"""


def diagnose(ns: str, doctor: ServeProcess, address: str, fp: bytes | None = None) -> dict:
    """The doctor's answer, asked on its loopback inside `ns` as the window would (expecting the
    host's key `fp` when given)."""
    query = {"address": address, **({"fp": fingerprint_in_link(fp)} if fp is not None else {})}
    url = f"http://127.0.0.1:{doctor.port}/api/diagnose?{urllib.parse.urlencode(query)}"
    result = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-c", ASK, url, DOCTOR_HEADER],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=40,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def hosts(network, tmp_path):
    a, b = network
    doctor = serve_in(a, tmp_path / "doctor")
    host = serve_in(b, tmp_path / "host")
    web = subprocess.Popen(
        ["ip", "netns", "exec", b, sys.executable, "-m", "http.server", str(WEB_PORT)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield a, doctor, host
    finally:
        web.kill()
        web.wait(10)
        doctor.stop(signal.SIGKILL)
        host.stop(signal.SIGKILL)


def test_lanchat_on_another_machine_passes_every_step(hosts):
    a, doctor, host = hosts
    body = diagnose(a, doctor, f"{HOST_ADDRESS}:{host.port}")
    assert (body["outcome"], body["step"], body["protocol"]) == ("ok", None, 2), body
    assert body["safety_code"] == safety_code(host_fingerprint(host.data_dir))


def test_lanchat_there_with_the_key_the_page_pinned_passes_every_step(hosts):
    a, doctor, host = hosts
    body = diagnose(a, doctor, f"{HOST_ADDRESS}:{host.port}", host_fingerprint(host.data_dir))
    assert (body["outcome"], body["step"]) == ("ok", None), body


def test_lanchat_there_with_another_key_than_the_page_pinned_is_an_identity_change(hosts, tmp_path):
    a, doctor, host = hosts
    pinned = identity_in(tmp_path / "the-host-before").fingerprint
    body = diagnose(a, doctor, f"{HOST_ADDRESS}:{host.port}", pinned)
    assert (body["outcome"], body["step"]) == ("identity_changed", "identity"), body
    assert body["expected_safety_code"] == safety_code(pinned)
    assert body["safety_code"] == safety_code(host_fingerprint(host.data_dir))
    assert body["protocol"] is None, "nothing was asked of it"


def test_a_port_nobody_listens_on_there_is_refused(hosts):
    a, doctor, _ = hosts
    body = diagnose(a, doctor, f"{HOST_ADDRESS}:{CLOSED_PORT}")
    assert (body["outcome"], body["step"]) == ("refused", "connect"), body


@pytest.mark.parametrize(
    "address", [FIREWALLED_ADDRESS, SILENT_ADDRESS], ids=["firewall-drops", "no-route-back"]
)
def test_an_address_that_never_answers_is_named_after_the_connect_timeout(hosts, address):
    a, doctor, _ = hosts
    started = time.monotonic()
    body = diagnose(a, doctor, f"{address}:8765")
    took = time.monotonic() - started
    assert (body["outcome"], body["step"]) == ("no_answer", "connect"), body
    assert CONNECT_TIMEOUT_SECONDS <= took < CONNECT_TIMEOUT_SECONDS + 5


def test_an_address_on_a_network_this_machine_has_no_route_to_is_unreachable(hosts):
    a, doctor, _ = hosts
    body = diagnose(a, doctor, f"{NO_ROUTE_ADDRESS}:8765")
    assert (body["outcome"], body["step"]) == ("unreachable", "connect"), body


def test_a_plain_web_server_there_is_named_as_not_speaking_tls(hosts):
    a, doctor, _ = hosts
    for _ in range(50):  # http.server needs a moment to listen
        body = diagnose(a, doctor, f"{HOST_ADDRESS}:{WEB_PORT}")
        if body["outcome"] != "refused":
            break
        time.sleep(0.1)
    assert (body["outcome"], body["step"]) == ("not_tls", "tls"), body


def test_a_name_the_host_does_not_answer_to_is_named_as_host_refused(hosts):
    a, doctor, host = hosts
    body = diagnose(a, doctor, f"{NAME_FOR_HOST}:{host.port}")
    assert body["resolved"] == [HOST_ADDRESS], body
    assert (body["outcome"], body["step"]) == ("host_refused", "health"), body
