"""The addresses a peer on the local network could use to reach this machine."""

from __future__ import annotations

import ipaddress
from typing import NamedTuple

__all__ = ["LanAddress", "lan_addresses", "lan_interfaces"]


class LanAddress(NamedTuple):
    address: str
    interface: str  # the OS's name for it: eth0, wlp2s0, a GUID on Windows
    description: str  # the OS's longer name where it has one ("Intel(R) Wi-Fi 6"), else the name


def lan_interfaces() -> list[LanAddress]:
    """Every non-loopback, non-link-local IPv4 address of this machine, with its interface."""
    import ifaddr  # 20 ms to import, and only hosting needs it: not on the window's start-up path

    found: list[LanAddress] = []
    seen: set[str] = set()
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries are tuples
            address = ipaddress.IPv4Address(ip.ip)
            if address.is_loopback or address.is_link_local or str(address) in seen:
                continue
            seen.add(str(address))
            found.append(LanAddress(str(address), adapter.name, adapter.nice_name or adapter.name))
    return found


def lan_addresses() -> list[str]:
    """Every non-loopback, non-link-local IPv4 address of this machine's interfaces."""
    return [entry.address for entry in lan_interfaces()]
