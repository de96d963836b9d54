"""create_app(config): the HTTP API, the room socket and the built UI, assembled.

The routes live one area to a module (routes/, room_socket.py, files_routes.py), the shared state
in state.py, the checks every connection passes in small ASGI middleware around the app.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from server import __version__
from server.config import ServerConfig, default_ui_dir
from server.peers.discovery import Discovery
from server.peers.doctor import DOCTOR_HEADER
from server.protocol.codes import ErrorCode
from server.protocol.limits import ROOM_TOKEN_HEADER
from server.protocol.refusals import Refused, http_status
from server.rooms.service import ChatRooms
from server.storage.history import StorageFailed
from server.web.banned_address import BannedAddressMiddleware
from server.web.client_limits import ClientConnections
from server.web.cors import LocalNetworkCORS
from server.web.files_routes import TUS_EXPOSED_HEADERS, TUS_REQUEST_HEADERS, files_router
from server.web.host_header import HostPolicy, machine_names
from server.web.in_clear_guard import InClearGuard
from server.web.lifespan import lifespan
from server.web.room_socket import ROOM_SOCKET_PATH, room_socket_route
from server.web.room_socket_shortcut import RoomSocketShortcut
from server.web.routes import doctor, health, history, identity, peers, rooms, search
from server.web.state import WebState
from server.web.static import serve_ui
from server.web.trusted_host import TrustedHostMiddleware

__all__ = ["ROOM_SOCKET_PATH", "LanchatApp", "create_app"]


class LanchatApp:
    """What create_app returns: the ASGI app every listener serves (the FastAPI app `api` inside
    its middleware), and the handles the server thread and the window use."""

    def __init__(self, api: FastAPI, state: WebState, asgi: ASGIApp) -> None:
        self.api = api
        self.state = state
        self.asgi = asgi

    @property
    def hosts(self) -> HostPolicy:
        return self.state.hosts

    @property
    def clients(self) -> ClientConnections:
        """Connections per client address, for every listener of this app (the HTTP guard counts them)."""
        return self.state.clients

    @property
    def discovery(self) -> Discovery:
        """Browsing and announcing; its methods run on `loop`."""
        return self.state.discovery

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop serving the app, once its lifespan started: where a second listener
        (hosting) must run, since the rooms and the store belong to it."""
        return None if self.state.services is None else self.state.services.loop

    @property
    def rooms(self) -> ChatRooms | None:
        """The rooms, once the lifespan started: the window's host controls act on them, on `loop`."""
        return None if self.state.services is None else self.state.services.rooms

    @property
    def routes(self) -> list[BaseRoute]:
        return self.api.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)


def create_app(config: ServerConfig) -> LanchatApp:
    state = WebState(
        config,
        HostPolicy.of([*machine_names(), *config.allowed_hosts]),
        ClientConnections(config.trusted_proxies),
        Discovery(),
    )
    # No /docs, /redoc or /openapi.json: while hosting they are reachable from the whole network,
    # and server/protocol/PROTOCOL.md documents the API.
    api = FastAPI(
        title="lanchat",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    api.state.web = state
    # Announced in the TXT record, so whoever finds this host pins its key from the first byte.
    state.discovery.own_fingerprint = lambda: None if state.tls is None else state.tls.fingerprint
    add_browser_middleware(api)
    api.add_exception_handler(StorageFailed, storage_failed_answer)
    for area in (health, identity, peers, doctor, rooms, history, search):
        api.include_router(area.router)
    api.include_router(files_router(state.hosts))
    room_route = room_socket_route()
    api.router.routes.append(room_route)  # before the UI's mount at "/", which would match it
    serve_ui(api, config.ui_dir or default_ui_dir())
    # Outermost first: a name not ours (DNS rebinding) is refused before anything else is looked
    # at; then a banned address's requests; then a room token sent in the clear; then room
    # sockets leave for their endpoint.
    asgi: ASGIApp = RoomSocketShortcut(api, room_route)
    asgi = InClearGuard(asgi)
    asgi = BannedAddressMiddleware(asgi, state)
    asgi = TrustedHostMiddleware(asgi, state.hosts)
    return LanchatApp(api, state, asgi)


async def storage_failed_answer(request: Request, exc: Exception) -> JSONResponse:
    """A request the database could not answer (a cluster's PostgreSQL away): `storage_failed`,
    which clients try again (tus retries a 5xx), rather than a bare 500 and a traceback."""
    refusal = Refused(ErrorCode.STORAGE_FAILED, f"The host could not reach its storage: {exc}")
    body = {"detail": {"code": refusal.code, "detail": refusal.detail}}
    return JSONResponse(body, status_code=http_status(refusal.code))


def add_browser_middleware(api: FastAPI) -> None:
    """What pages in a browser need, inside FastAPI (room sockets skip it: room_socket_shortcut.py)."""
    # A window served by one lanchat lists the rooms of another it joins by address; a web site
    # elsewhere may not read them (see origin.origin_allowed). Besides reading, only uploads write
    # (tus: POST, HEAD, PATCH, DELETE, with its headers); they check the Origin themselves too.
    # The doctor's header may be sent (its preflight passes); the doctor itself answers this machine only.
    api.add_middleware(
        LocalNetworkCORS,
        allow_methods=["GET", "HEAD", "POST", "PATCH", "DELETE"],
        allow_headers=[DOCTOR_HEADER, ROOM_TOKEN_HEADER, *TUS_REQUEST_HEADERS],
        expose_headers=TUS_EXPOSED_HEADERS,
    )
    # The UI's JavaScript is 218 KB, 79 KB gzipped: it matters to a browser on the LAN. Downloads
    # (octets, images) are not compressed: that would break their ranges and their length.
    api.add_middleware(
        GZipMiddleware,
        minimum_size=1024,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/octet-stream"),
    )
