"""HTTP requests from an address the host banned (server/rooms/bans.py) are refused before any route.

A room socket from there is not refused here: its door sends it the `banned` error frame and close
code (ChatRooms.admit), which the UI shows.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from server.protocol.codes import ErrorCode
from server.protocol.refusals import http_status
from server.web.state import WebState

__all__ = ["BannedAddressMiddleware"]


class BannedAddressMiddleware:
    """403 and a sentence for an HTTP request from a banned address, once the rooms are open."""

    def __init__(self, app: ASGIApp, state: WebState) -> None:
        self.app = app
        self.state = state

    def banned(self, scope: Scope) -> bool:
        services, client = self.state.services, scope.get("client")
        return services is not None and client is not None and services.rooms.bans.banned_address(client[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.banned(scope):
            sentence = "The host of this server has banned this address.\n"
            refusal = PlainTextResponse(sentence, status_code=http_status(ErrorCode.BANNED))
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
