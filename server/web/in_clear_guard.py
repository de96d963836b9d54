"""Room tokens never travel over plain HTTP from the network: such a request is refused before any route.

A host may let browsers join without encryption (`--allow-plain-http`). A room token opens a
private room's history, search and files; one sent in the clear could be read and replayed by
anyone on the network, so a request that carries one (the header, or the files' cookie, which is
marked Secure when set over https) from there is answered `encryption_required`, whatever it asked.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from server.protocol.limits import FILE_ACCESS_COOKIE_PREFIX, ROOM_TOKEN_HEADER
from server.protocol.refusals import http_status
from server.rooms.in_clear import encryption_required
from server.web.transport import in_clear

__all__ = ["InClearGuard"]


class InClearGuard:
    """403 `encryption_required` for a room token sent over plain HTTP from the network."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and in_clear(scope) and carries_token(HTTPConnection(scope)):
            refusal = encryption_required("A room's token")
            body = {"detail": {"code": refusal.code, "detail": refusal.detail}}
            await JSONResponse(body, status_code=http_status(refusal.code))(scope, receive, send)
            return
        await self.app(scope, receive, send)


def carries_token(request: HTTPConnection) -> bool:
    return ROOM_TOKEN_HEADER.lower() in request.headers or any(
        name.startswith(FILE_ACCESS_COOKIE_PREFIX) for name in request.cookies
    )
