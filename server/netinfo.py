"""The addresses a peer on the local network could use to reach this machine."""

from __future__ import annotations

import ipaddress

__all__ = ["lan_addresses"]


def lan_addresses() -> list[str]:
    """Every non-loopback, non-link-local IPv4 address of this machine's interfaces."""
    import ifaddr  # 20 ms to import, and only hosting needs it: not on the window's start-up path

    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries are tuples
            address = ipaddress.IPv4Address(ip.ip)
            if address.is_loopback or address.is_link_local or str(address) in found:
                continue
            found.append(str(address))
    return found
