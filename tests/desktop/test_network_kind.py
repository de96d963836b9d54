"""Which network each address is on: real interfaces made in a network namespace, where
`ip netns exec` mounts that namespace's own /sys; and, for the hardware a namespace cannot
have (a Wi-Fi card, a PCI network card), sysfs trees laid out as the kernel lays them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from desktop.network_kind import NetworkKind, network_kind
from tests.support.server_process import REPO_ROOT


def sysfs_interface(root, name: str, link_type: int, device: str, *extra: str):
    """/sys/class/net/NAME as a link into /sys/devices/DEVICE/net/NAME, with `type` and `extra` folders."""
    real = root / "devices" / device / "net" / name
    real.mkdir(parents=True)
    (real / "type").write_text(f"{link_type}\n")
    for folder in extra:
        (real / folder).mkdir()
    (root / "class" / "net").mkdir(parents=True, exist_ok=True)
    (root / "class" / "net" / name).symlink_to(real)
    return root / "class" / "net"


def test_a_card_with_a_wireless_folder_is_wifi(tmp_path):
    net = sysfs_interface(tmp_path, "wlp2s0", 1, "pci0000:00/0000:02:00.0", "wireless")
    assert network_kind("wlp2s0", sys_class_net=net) is NetworkKind.WIFI


def test_a_pci_card_of_link_type_ether_is_ethernet(tmp_path):
    net = sysfs_interface(tmp_path, "enp3s0", 1, "pci0000:00/0000:03:00.0")
    assert network_kind("enp3s0", sys_class_net=net) is NetworkKind.ETHERNET


def test_an_ethernet_like_virtual_device_is_other(tmp_path):
    net = sysfs_interface(tmp_path, "docker0", 1, "virtual")
    assert network_kind("docker0", sys_class_net=net) is NetworkKind.OTHER


def test_a_wireguard_interface_has_no_link_layer_and_is_a_vpn(tmp_path):
    net = sysfs_interface(tmp_path, "wg0", 65534, "virtual")
    assert network_kind("wg0", sys_class_net=net) is NetworkKind.VPN


@pytest.mark.parametrize(
    ("name", "description", "kind"),
    [
        ("{4D36E972-E325}", "Intel(R) Wi-Fi 6 AX201 160MHz", NetworkKind.WIFI),
        ("{4D36E973-E325}", "Realtek PCIe GbE Family Controller Ethernet", NetworkKind.ETHERNET),
        ("{4D36E974-E325}", "WireGuard Tunnel", NetworkKind.VPN),
        ("utun3", "utun3", NetworkKind.VPN),
        ("en7", "en7", NetworkKind.OTHER),
    ],
)
def test_without_sysfs_the_os_names_tell(tmp_path, name, description, kind):
    assert network_kind(name, description, sys_class_net=tmp_path) is kind


CLASSIFY = """
import json, sys
from desktop.hosting import host_networks
from desktop.network_kind import network_kind
print(json.dumps({"kinds": {name: network_kind(name) for name in sys.argv[1:]}, "networks": host_networks()}))
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def namespace():
    if shutil.which("ip") is None:
        pytest.skip("the ip command (iproute2) is not installed")
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    tag = str(os.getpid() % 100000)
    ns, peer = f"lcdoc{tag}k", f"lcdoc{tag}p"
    try:
        _ip("netns", "add", ns)
        _ip("netns", "add", peer)
        _ip("link", "add", f"lcdo{tag}v", "type", "veth", "peer", "name", f"lcdo{tag}w")
        _ip("link", "set", f"lcdo{tag}v", "netns", ns)
        _ip("link", "set", f"lcdo{tag}w", "netns", peer)
        _ip("-n", ns, "addr", "add", "10.214.0.1/24", "dev", f"lcdo{tag}v")
        _ip("-n", ns, "tuntap", "add", "dev", "tun7", "mode", "tun")
        _ip("-n", ns, "addr", "add", "10.214.9.1/32", "dev", "tun7")
        _ip("-n", ns, "tuntap", "add", "dev", "tap7", "mode", "tap")
        _ip("-n", ns, "link", "add", "br7", "type", "bridge")
        _ip("-n", ns, "addr", "add", "10.214.8.1/24", "dev", "br7")
        for iface in ("lo", f"lcdo{tag}v", "tun7", "tap7", "br7"):
            _ip("-n", ns, "link", "set", iface, "up")
        yield ns, f"lcdo{tag}v"
    finally:
        for name in (ns, peer):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=10)


@pytest.mark.process
@pytest.mark.netns
def test_real_interfaces_of_a_namespace_are_told_apart_and_listed_with_the_hosts_addresses(namespace):
    ns, veth = namespace
    result = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-c", CLASSIFY, veth, "tun7", "tap7", "br7", "lo"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    # veth is Ethernet-shaped but virtual: a container's or a test's link, not a network to give out.
    assert found["kinds"] == {veth: "other", "tun7": "vpn", "tap7": "vpn", "br7": "other", "lo": "other"}
    assert sorted(found["networks"], key=lambda n: n["address"]) == [
        {"address": "10.214.0.1", "interface": veth, "kind": "other"},
        {"address": "10.214.8.1", "interface": "br7", "kind": "other"},
        {"address": "10.214.9.1", "interface": "tun7", "kind": "vpn"},
    ]
