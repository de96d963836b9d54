"""The door of every connection: a request not addressed to one of our names is refused here.

TrustedHostMiddleware is Starlette's of the same name with our policy (host_header.py, the guard
against DNS rebinding): IP literals and localhost always, names only when they are this machine's
or configured, and a plain 421 for the rest.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from server.protocol.codes import CloseCode
from server.web.host_header import HostPolicy

__all__ = ["MISDIRECTED_STATUS", "TrustedHostMiddleware", "refuse_misdirected", "request_host"]

MISDIRECTED_STATUS = 421  # RFC 9110: "Misdirected Request", this server does not serve that name


def request_host(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"host":
            return str(value.decode("latin-1"))
    return None


class TrustedHostMiddleware:
    """Refuses every request and handshake whose Host header is not one of `hosts`."""

    def __init__(self, app: ASGIApp, hosts: HostPolicy) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self.hosts.allows_host(request_host(scope)):
            await refuse_misdirected(scope, send)
            return
        await self.app(scope, receive, send)


async def refuse_misdirected(scope: Scope, send: Send) -> None:
    """HTTP: 421 with a sentence. WebSocket: closed before the handshake completes, which
    uvicorn answers with HTTP 403 (a browser's page sees only a failed connection)."""
    if scope["type"] == "websocket":
        # Before the handshake the code never reaches the client; named as the other refusals at the door.
        await send({"type": "websocket.close", "code": CloseCode.NORMAL})
        return
    body = b"This lanchat server does not answer to that host name (Host header); use its address.\n"
    await send(
        {
            "type": "http.response.start",
            "status": MISDIRECTED_STATUS,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
