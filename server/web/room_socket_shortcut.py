"""Room sockets straight to their endpoint, past FastAPI's middleware.

A member's ASGI call lasts as long as it stays in the room, and every layer it passes through
stays on its stack: FastAPI's middleware, exception wrappers and dependency exit stacks hold
about 10 KiB per connection, a third of an idle member's cost, and wrap every frame sent. The
room socket needs none of them (no CORS, gzip or dependencies), so this middleware matches it
against its route, declared in the app's routes like any other, and calls the endpoint directly.
Everything else, other WebSocket paths included, goes through FastAPI as usual (and is refused
there as Starlette refuses an unknown path: HTTP 403 before the handshake).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Match, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

__all__ = ["RoomSocketShortcut"]


class RoomSocketShortcut:
    """Calls `route`'s endpoint for a socket that matches it; hands everything else to `app`."""

    def __init__(self, app: FastAPI, route: WebSocketRoute) -> None:
        self.app = app
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            match, child_scope = self.route.matches(scope)
            if match is Match.FULL:
                scope["path_params"] = child_scope["path_params"]  # {"room": ...}
                scope["app"] = self.app  # what the endpoint reads its state from
                await self.route.endpoint(WebSocket(scope, receive, send))
                return
        await self.app(scope, receive, send)
