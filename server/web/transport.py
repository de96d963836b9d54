"""Whether a connection crosses the network in the clear, from its ASGI scope.

Every listener's front door serves TLS to the network; plain HTTP reaches the app from this machine
(loopback, which nobody on the network reads) or, when the host allows it (`--allow-plain-http`),
from a browser on the network. Only that last one is readable on the wire: uvicorn names the
scheme ("https"/"wss" when the connection came through TLS) and the client's address.
"""

from __future__ import annotations

from starlette.types import Scope

from server.addresses import is_local_client

__all__ = ["ENCRYPTED_SCHEMES", "in_clear"]

ENCRYPTED_SCHEMES = frozenset({"https", "wss"})


def in_clear(scope: Scope) -> bool:
    """The connection came over plain HTTP (or ws://) from another machine."""
    if scope.get("scheme", "http") in ENCRYPTED_SCHEMES:
        return False
    client = scope.get("client")
    return not is_local_client(client[0] if client else None)
