"""A host with a private room announces `private=1` (and one without, `private=0`): read from
the TXT record by a zeroconf browser in another network namespace, multicast only over the veth."""

from __future__ import annotations

import json

import pytest

from tests.support.netns import in_namespace, network, run_in
from tests.support.server_process import ServeProcess

pytestmark = [pytest.mark.process, pytest.mark.netns]

HOST_ADDRESS, BROWSER_ADDRESS = "10.217.0.1", "10.217.0.2"

READ_TXT = """
import json, sys, time
from zeroconf import IPVersion, ServiceBrowser, Zeroconf
from server.peers.discovery import SERVICE_TYPE

zc = Zeroconf(interfaces=[sys.argv[1]], ip_version=IPVersion.V4Only)
found = {}

class Listener:
    def add_service(self, zc, kind, name):
        info = zc.get_service_info(kind, name, 3000)
        if info:
            found[name] = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
    update_service = remove_service = lambda *args: None

ServiceBrowser(zc, SERVICE_TYPE, Listener())
deadline = time.time() + 15
while time.time() < deadline and not found:
    time.sleep(0.2)
zc.close()
print(json.dumps(found))
"""


def announced_properties(tmp_path, *args: str) -> dict:
    with network(prefix="lcpri") as net:
        host_ns, browser_ns = net.namespace("h"), net.namespace("b")
        net.link(host_ns, HOST_ADDRESS, browser_ns, BROWSER_ADDRESS, 24)
        host = ServeProcess(
            tmp_path / "host",
            0,
            ("--host", "0.0.0.0", "--announce", "--name", "Office", *args),
            command=in_namespace(host_ns),
        ).start()
        try:
            found = json.loads(run_in(browser_ns, READ_TXT, BROWSER_ADDRESS, timeout=30))
        finally:
            host.stop()
    (properties,) = found.values()
    return properties


def test_a_host_with_a_private_room_announces_private_1(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("team password\n", encoding="utf-8")
    properties = announced_properties(tmp_path, "--private-room", f"team={secret}")
    assert properties["name"] == "Office" and properties["private"] == "1"


def test_a_host_without_private_rooms_announces_private_0(tmp_path):
    assert announced_properties(tmp_path)["private"] == "0"
