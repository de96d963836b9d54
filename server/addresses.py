"""What kind of address a client or a peer has: the one place that reads an IP literal.

Every check goes through `ip_of`, which understands the spellings that hide another address:
an IPv4-mapped IPv6 address (`::ffff:127.0.0.1` is loopback) and brackets around an IPv6 literal.
"""

from __future__ import annotations

import ipaddress

__all__ = ["IPAddress", "ip_of", "is_local_client", "is_loopback_host", "is_unspecified_host"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def ip_of(text: str | None) -> IPAddress | None:
    """The IP address `text` spells ("[::1]" and "::ffff:10.0.0.5" included), else None."""
    if not text:
        return None
    try:
        ip = ipaddress.ip_address(text.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_loopback_host(host: str | None) -> bool:
    """`localhost` or a loopback address: a name or address that means this machine."""
    if host is not None and host.lower() == "localhost":
        return True
    ip = ip_of(host)
    return ip is not None and ip.is_loopback


def is_unspecified_host(host: str | None) -> bool:
    """0.0.0.0, :: (or empty): a listening address that means every interface."""
    if not host:
        return True
    ip = ip_of(host)
    return ip is not None and ip.is_unspecified


def is_local_client(address: str | None) -> bool:
    """A connection's peer address that is this machine: loopback, or not an IP address at all
    (None for a unix socket, "testclient" for Starlette's in-process client), which never came
    over the network."""
    if address is None or ip_of(address) is None:
        return True
    return is_loopback_host(address)
