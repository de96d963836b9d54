"""Which kind of network an interface is on (Wi-Fi, Ethernet, VPN), so the host gives the right address.

A laptop on Wi-Fi with a VPN up has two addresses; a colleague at the next desk can use only one.
On Linux the kernel says it in sysfs: a `wireless` folder (or `phy80211` link) for Wi-Fi, the
link type for tunnels (WireGuard and tun have none, PPP its own), and whether the device is a real
one (under /sys/devices/pci…, usb…) or virtual (/sys/devices/virtual: veth, bridges, docker0).
Elsewhere only the name tells (Windows names adapters "Wi-Fi", "Ethernet"; macOS "utun" for
VPNs), so names are the fallback.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

__all__ = ["SYS_CLASS_NET", "NetworkKind", "network_kind"]

SYS_CLASS_NET = Path("/sys/class/net")

# include/uapi/linux/if_arp.h: the link types that are tunnels of one kind or another.
ARPHRD_ETHER = 1
TUNNEL_LINK_TYPES = {
    512,  # ARPHRD_PPP
    768,  # ARPHRD_TUNNEL (ipip)
    769,  # ARPHRD_TUNNEL6
    776,  # ARPHRD_SIT
    778,  # ARPHRD_IPGRE
    823,  # ARPHRD_IP6GRE
    65534,  # ARPHRD_NONE: tun, WireGuard
}
# Names VPN software gives its interfaces (tap and OpenVPN's are Ethernet-like, so the name tells).
VPN_NAME = re.compile(
    r"^(tun|tap|wg|ppp|utun|ipsec|vti|zt|tailscale|nordlynx|proton|mullvad)|vpn|wireguard", re.I
)
WIFI_NAME = re.compile(r"wi-?fi|wlan|wireless|802\.11|^wl", re.I)
ETHERNET_NAME = re.compile(r"ethernet|^eth|^en[opsx]", re.I)


class NetworkKind(StrEnum):
    WIFI = "wifi"
    ETHERNET = "ethernet"
    VPN = "vpn"  # a VPN or another tunnel: reaches only those on the far side of it
    OTHER = "other"  # virtual (veth, bridges, containers) or unknown


def network_kind(name: str, description: str = "", sys_class_net: Path = SYS_CLASS_NET) -> NetworkKind:
    """The kind of network interface `name` is on; `description` is the OS's longer name, if any."""
    entry = sys_class_net / name
    if entry.is_dir():
        return _from_sysfs(name, entry)
    return _from_names(f"{name} {description}")


def _from_sysfs(name: str, entry: Path) -> NetworkKind:
    if (entry / "wireless").exists() or (entry / "phy80211").exists():
        return NetworkKind.WIFI
    try:
        link_type = int((entry / "type").read_text().strip())
    except (OSError, ValueError):
        link_type = None
    if link_type in TUNNEL_LINK_TYPES or VPN_NAME.search(name) or (entry / "tun_flags").exists():
        return NetworkKind.VPN
    virtual = "/devices/virtual/" in str(entry.resolve())
    if link_type == ARPHRD_ETHER and not virtual:
        return NetworkKind.ETHERNET
    return NetworkKind.OTHER


def _from_names(names: str) -> NetworkKind:
    if VPN_NAME.search(names):
        return NetworkKind.VPN
    if WIFI_NAME.search(names):
        return NetworkKind.WIFI
    if ETHERNET_NAME.search(names):
        return NetworkKind.ETHERNET
    return NetworkKind.OTHER
