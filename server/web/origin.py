"""Which web pages may use this server: the Origin check of every request and socket."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused
from server.web.host_header import HostPolicy


def origin_allowed(origin: str | None, host: str | None = None, hosts: HostPolicy | None = None) -> bool:
    """Whether a web page from `origin` may use this server: read its rooms, join, post.

    A browser lets any page open a WebSocket to any address, this machine's loopback server
    included, and fetch from it; it only tells the server which page asked (the Origin header).
    Pages from this server itself, from this machine (another lanchat window) and from the local
    network (a lanchat or a browser on another machine, by address or by a LAN name) may; a web
    site the user happens to visit may not. Clients that are not browsers send no Origin.
    """
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False  # includes "null": sandboxed frames and file:// pages
    policy = hosts or HostPolicy()
    # "Same origin" only for a name on this server's own list: a rebinding page controls both
    # its Origin and the Host its browser sends, so their being equal proves nothing.
    if policy.lists_origin(origin):
        return True
    if host is not None and parts.netloc.lower() == host.lower() and policy.allows_host(host):
        return True
    name = parts.hostname
    # localhost, mDNS names (pc.local) and single-label LAN names (pc): no public site has these.
    single_label = "." not in name and ":" not in name
    if name == "localhost" or name.endswith((".localhost", ".local")) or single_label:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def validate_origin(origin: str | None, host: str | None, hosts: HostPolicy | None = None) -> None:
    if not origin_allowed(origin, host, hosts):
        raise Refused(
            ErrorCode.ORIGIN_NOT_ALLOWED,
            f"A page from {origin} may not use this lanchat server;"
            " open the chat from the server's own address.",
        )
