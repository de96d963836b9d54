"""What kind of address a client or a peer has: the one place that reads an IP literal.

Every check goes through `ip_of`, which understands the spellings that hide an IPv4 address
inside an IPv6 one: IPv4-mapped (`::ffff:127.0.0.1` is loopback), IPv4-compatible (`::127.0.0.1`),
6to4 (`2002:7f00:1::`) and NAT64's well-known prefix (`64:ff9b::127.0.0.1`); and brackets around
an IPv6 literal. A peer naming one of those spellings is naming the IPv4 address inside.
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
    return _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else ip


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> IPAddress:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 0xFFFF):  # :: and ::1 are themselves
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
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
