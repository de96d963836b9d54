"""Which names in a request's Host header this server answers to: the guard against DNS rebinding.

A web page on a name its owner re-points at 127.0.0.1 (or at this machine's LAN address) makes
the browser send `Host: evil.example:PORT` and `Origin: http://evil.example:PORT`: both are the
attacker's, so neither proves anything by itself. What the attacker cannot choose is the list of
names this server knows as its own. Pure: no sockets, no environment; the caller passes the
machine's names in (see `machine_names`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["HostPolicy", "host_name", "machine_names"]


def host_name(host: str | None) -> str | None:
    """The name in a Host header value (no port, no brackets, lower case); None if malformed."""
    if host is None:
        return None
    host = host.strip()
    if not host or any(c in host for c in "/@?#\\ \t"):
        return None
    try:
        parts = urlsplit("//" + host)
        name = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return None
    return name.rstrip(".") if name else None


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class HostPolicy:
    """The names this server answers to, besides IP literals and localhost (always allowed)."""

    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: Iterable[str]) -> HostPolicy:
        return cls(frozenset(n.lower().rstrip(".") for n in names if n))

    def allows_name(self, name: str | None) -> bool:
        if not name:
            return False
        name = name.lower().rstrip(".")
        if _is_ip_literal(name) or name == "localhost" or name.endswith(".localhost"):
            return True  # no rebinding page can have an address, or localhost, as its origin's name
        return name in self.names

    def allows_host(self, host: str | None) -> bool:
        """Whether a request with this Host header is for this server."""
        return self.allows_name(host_name(host))

    def lists_origin(self, origin: str) -> bool:
        """Whether a page's origin is on one of this server's listed names (the same origin, by
        list). Addresses are not judged here: a public address is a host but no origin of ours."""
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        name = (parts.hostname or "").rstrip(".")
        return parts.scheme in ("http", "https") and name in self.names


def machine_names() -> list[str]:
    """This machine's own host names and its mDNS (.local) name, as peers on the LAN type them."""
    # Not getfqdn(): it may wait on a DNS server, and the window starts the app.
    name = socket.gethostname().lower().rstrip(".")
    short = name.split(".", 1)[0]
    return list(dict.fromkeys(n for n in (name, short, short + ".local") if n and n != ".local"))
