"""Clients that reach a lanchat host across the network as lanchat's own Python does: TLS with
`client_context()`, and the host's key checked before the first request when the test knows it
(a fingerprint as bytes, or as a join link's `#fp=` carries it; None to take any key).

Imported by the code tests run inside network namespaces, too (their working folder is the
checkout's root).
"""

from __future__ import annotations

import urllib.request
from typing import Any

from server.peers.pinned_tls import PinnedHTTPSConnection, pinned_socket_connection
from server.tls.contexts import client_context
from server.tls.safety_code import fingerprint_from_link

__all__ = ["pinned_connect", "pinned_opener"]


def _expected(fingerprint: bytes | str | None) -> bytes | None:
    if isinstance(fingerprint, str):
        return fingerprint_from_link(fingerprint) if fingerprint else None
    return fingerprint


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, expected: bytes | None) -> None:
        super().__init__(context=client_context())
        self._expected = expected

    def https_open(self, req: Any) -> Any:
        def connection(host: str, timeout: float = 10.0, **_: Any) -> PinnedHTTPSConnection:
            return PinnedHTTPSConnection(host, None, self._expected, timeout)  # type: ignore[arg-type]  # "host:port"

        return self.do_open(connection, req)


def pinned_opener(fingerprint: bytes | str | None = None) -> urllib.request.OpenerDirector:
    """A urllib opener for https URLs (no proxy); the host must hold `fingerprint` when given."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _PinnedHTTPSHandler(_expected(fingerprint))
    )


def pinned_connect(url: str, fingerprint: bytes | str | None = None, **kwargs: Any) -> Any:
    """websockets' `connect` for a wss URL, the host's key checked before the upgrade is sent."""
    import websockets

    return websockets.connect(
        url,
        ssl=client_context(),
        server_hostname="",
        create_connection=pinned_socket_connection(_expected(fingerprint), []),
        **kwargs,
    )
