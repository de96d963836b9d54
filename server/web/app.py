"""create_app(config): the HTTP API, the room socket and the built UI."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES
from starlette.routing import BaseRoute, Match, WebSocketRoute
from starlette.types import Receive, Scope, Send

from server import __version__
from server.config import ServerConfig, default_ui_dir
from server.files.store import FileStore
from server.peers.directory import SharedHost
from server.peers.discovery import Discovery, is_loopback_client, start_browsing
from server.peers.doctor import DOCTOR_HEADER, ConnectionDoctor, DoctorBusy, may_diagnose, parse_address
from server.policy import ROOM_TOKEN_REFRESH_FRACTION
from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.frames import EnteredFrame
from server.protocol.limits import (
    HISTORY_PAGE_MAX,
    MAX_FRAME_BYTES,
    MAX_MESSAGE_ID,
    MAX_SEARCH_OFFSET,
    PASSWORD_WAIT_SECONDS,
    PROTOCOL_VERSION,
    ROOM_LIST_PAGE,
    ROOM_LIST_PAGE_MAX,
    ROOM_TOKEN_HEADER,
    SEARCH_PAGE,
    SEARCH_PAGE_MAX,
)
from server.protocol.refusals import Refused
from server.rooms.bans import BANS_FILE, BanList, banned_refusal
from server.rooms.client_frames import Hello, decode_password_frame
from server.rooms.direct import is_direct_room
from server.rooms.hub import ConnectionManager
from server.rooms.private import PASSWORD_CHECKS, PrivateRooms
from server.rooms.service import ChatRooms, HistoryPage, RoomListPage, SearchPage, Session, error_frame
from server.rooms.validation import validate_after, validate_room, validate_sender, validate_version
from server.storage.history import HistoryStore
from server.web.client_limits import ClientConnections, room_socket_cap
from server.web.files_routes import TUS_EXPOSED_HEADERS, TUS_REQUEST_HEADERS, files_router
from server.web.host_header import HostPolicy, machine_names
from server.web.origin import origin_allowed, validate_origin
from server.web.static import PLACEHOLDER_HTML, UiFiles
from server.web.trusted_host import is_misdirected, refuse_misdirected

__all__ = ["ROOM_SOCKET_PATH", "LanchatApp", "create_app"]

ROOM_SOCKET_PATH = "/ws/{room:path}"  # the seed's /ws/{room}

# uvloop's timers run on a clock cached once per loop turn, in whole milliseconds, so a sleep
# can end up to a millisecond before time.monotonic (the rate limiter's clock) says it should:
# a connection woken that early would be refused again at once. Sleep this much longer.
TIMER_SLACK_SECONDS = 0.002


# How a room socket refused at the door is closed; other refusals there concern the query.
REFUSAL_CLOSE_CODES = {
    ErrorCode.ROOM_INVALID: CloseCode.ROOM_INVALID,
    ErrorCode.ORIGIN_NOT_ALLOWED: CloseCode.ORIGIN_NOT_ALLOWED,
    ErrorCode.TOO_MANY_CONNECTIONS: CloseCode.TOO_MANY_CONNECTIONS,
    ErrorCode.TOO_MANY_ROOMS: CloseCode.TOO_MANY_ROOMS,
    ErrorCode.ROOM_FULL: CloseCode.ROOM_FULL,
    ErrorCode.TOO_MANY_NEW_ROOMS: CloseCode.TOO_MANY_NEW_ROOMS,
    ErrorCode.PASSWORD_REQUIRED: CloseCode.PASSWORD_REQUIRED,
    ErrorCode.PASSWORD_WRONG: CloseCode.PASSWORD_WRONG,
    ErrorCode.PASSWORD_LOCKED: CloseCode.PASSWORD_LOCKED,
    ErrorCode.BANNED: CloseCode.BANNED,
    ErrorCode.DIRECT_FORBIDDEN: CloseCode.DIRECT_FORBIDDEN,
    ErrorCode.TOO_MANY_DIRECT_ROOMS: CloseCode.TOO_MANY_DIRECT_ROOMS,
}


class LocalNetworkCORS(CORSMiddleware):
    """CORS for the pages `origin_allowed` admits (this machine, the local network), not any site."""

    def is_allowed_origin(self, origin: str) -> bool:
        return origin_allowed(origin)


class LanchatApp:
    """The FastAPI app, with the room socket's connections handed straight to its endpoint.

    A member's ASGI call lasts as long as it stays in the room, and every layer it passes through
    stays on its stack: FastAPI's middleware, exception wrappers and dependency exit stacks hold
    about 10 KiB per connection, a third of an idle member's cost, and wrap every frame sent. The
    room socket needs none of them (no CORS, gzip or dependencies), so this wrapper matches it
    against its route, declared in `api.routes` like any other, and calls the endpoint directly.
    Everything else, other WebSocket paths included, goes through FastAPI as usual (and is refused
    there as Starlette refuses an unknown path: HTTP 403 before the handshake).
    """

    def __init__(
        self,
        api: FastAPI,
        room_route: WebSocketRoute,
        hosts: HostPolicy,
        clients: ClientConnections,
        discovery: Discovery,
    ) -> None:
        self.api = api
        self.room_route = room_route
        self.hosts = hosts
        self.clients = clients  # connections per client address, for every listener of this app
        self.discovery = discovery  # its methods run on `loop`

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop serving the app, once its lifespan started: where a second listener
        (hosting) must run, since the rooms and the store belong to it."""
        loop: asyncio.AbstractEventLoop | None = getattr(self.api.state, "loop", None)
        return loop

    @property
    def rooms(self) -> ChatRooms | None:
        """The rooms, once the lifespan started: the window's host controls act on them, on `loop`."""
        rooms: ChatRooms | None = getattr(self.api.state, "rooms", None)
        return rooms

    @property
    def routes(self) -> list[BaseRoute]:
        return self.api.routes

    def _banned(self, scope: Scope) -> bool:
        rooms: ChatRooms | None = getattr(self.api.state, "rooms", None)
        client = scope.get("client")
        return rooms is not None and client is not None and rooms.bans.banned_address(client[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_misdirected(scope, self.hosts):  # DNS rebinding: see hosts.py
            await refuse_misdirected(scope, send)
            return
        if scope["type"] == "http" and self._banned(scope):
            # A room socket from there is refused with the `banned` frame (ChatRooms.admit).
            refusal = PlainTextResponse("The host of this server has banned this address.\n", status_code=403)
            await refusal(scope, receive, send)
            return
        if scope["type"] == "websocket":
            match, child_scope = self.room_route.matches(scope)
            if match is Match.FULL:
                scope["path_params"] = child_scope["path_params"]  # {"room": ...}
                scope["app"] = self.api
                await self.room_route.endpoint(WebSocket(scope, receive, send))
                return
        await self.api(scope, receive, send)


def create_app(config: ServerConfig) -> LanchatApp:
    hosts = HostPolicy.of([*machine_names(), *config.allowed_hosts])
    clients = ClientConnections()
    discovery = Discovery()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = HistoryStore(config.data_dir, config.history_limits)
        manager = ConnectionManager()
        app.state.loop = asyncio.get_running_loop()
        private = PrivateRooms(config.data_dir, config.private_rooms, token_seconds=config.room_token_seconds)
        files = app.state.files = FileStore(config.data_dir, config.file_limits)
        app.state.rooms = ChatRooms(
            store,
            manager,
            private,
            BanList(config.data_dir / BANS_FILE),
            edit_window_seconds=config.edit_window_seconds,
            files=files,
        )
        discovery.has_private_rooms = lambda: bool(private.rooms())
        app.state.doctor = ConnectionDoctor()
        await start_browsing(config, discovery)
        sweeper = asyncio.create_task(files.sweep_forever(config.upload_sweep_seconds))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await discovery.close()  # goodbyes first, while the network is surely still there
            manager.close_all()
            app.state.rooms.receipts.close()
            store.close()
            files.close()

    # No /docs, /redoc or /openapi.json: while hosting they are reachable from the whole network,
    # and server/protocol/PROTOCOL.md documents the API.
    app = FastAPI(
        title="lanchat",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    # A window served by one lanchat lists the rooms of another it joins by address; a web site
    # elsewhere may not read them (see rules.origin_allowed). Besides reading, only uploads write
    # (tus: POST, HEAD, PATCH, DELETE, with its headers); they check the Origin themselves too.
    # The doctor's header may be sent (its preflight passes); the doctor itself answers this machine only.
    app.add_middleware(
        LocalNetworkCORS,
        allow_methods=["GET", "HEAD", "POST", "PATCH", "DELETE"],
        allow_headers=[DOCTOR_HEADER, ROOM_TOKEN_HEADER, *TUS_REQUEST_HEADERS],
        expose_headers=TUS_EXPOSED_HEADERS,
    )
    # The UI's JavaScript is 218 KB, 79 KB gzipped: it matters to a browser on the LAN. Downloads
    # (octets, images) are not compressed: that would break their ranges and their length.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=1024,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/octet-stream"),
    )

    # The handlers are `async def` on purpose: FastAPI would run plain functions on a worker
    # thread, and the store and the hub belong to the event loop's thread.
    @app.get("/api/health")
    async def health() -> dict[str, Any]:
        # `instance` tells a browsing host its own announcement, and one host at two addresses;
        # `name` only while announcing, when the network hears it anyway.
        answer: dict[str, Any] = {
            "status": "ok",
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
            "instance": discovery.instance,
        }
        if discovery.announced_name is not None:
            answer["name"] = discovery.announced_name
        return answer

    # response_model=None: the annotations are for the type checker; the frames are built from
    # protocol.py's TypedDicts already, and validating them again would cost every request.
    @app.get("/api/discovered", response_model=None)
    async def discovered(request: Request) -> Any:
        """Hosts found by browsing: for this machine's own window only (it says who is around)."""
        if not is_loopback_client(request):
            return JSONResponse({"error": "only this machine may ask"}, status_code=403)
        return discovery.discovered_json()

    @app.get("/api/hosts", response_model=None)
    async def known_hosts() -> dict[str, list[SharedHost]]:
        """The lanchat hosts this one knows and that answer: for anyone, so that a host on another
        subnet known to one peer is found by everyone who reaches that peer."""
        return discovery.shared_json()

    @app.get("/api/diagnose", response_model=None)
    async def diagnose(request: Request, address: str = "", v: int = PROTOCOL_VERSION) -> Any:
        """Which step of reaching `address` fails (server/peers/doctor.py): for this machine only."""
        if not may_diagnose(request):
            message = f"only this machine's own page may ask, with the {DOCTOR_HEADER} header"
            return JSONResponse({"error": message}, status_code=403)
        try:
            parse_address(address)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        # The Origin the page's own socket will send: a cross-origin page names it, our own does not.
        origin = request.headers.get("origin") or f"http://{request.headers.get('host', '')}"
        doctor: ConnectionDoctor = app.state.doctor
        try:
            diagnosis = await doctor.diagnose(address, origin, v)
        except DoctorBusy:
            return JSONResponse({"error": "another check is running"}, status_code=429)
        return diagnosis.as_json()

    @app.get("/api/rooms", response_model=None)
    async def list_rooms(
        offset: Annotated[int, Query(ge=0, le=MAX_MESSAGE_ID)] = 0,
        limit: Annotated[int, Query(ge=1, le=ROOM_LIST_PAGE_MAX)] = ROOM_LIST_PAGE,
    ) -> RoomListPage:
        """A page of the rooms with stored messages or members, busiest first."""
        rooms: ChatRooms = app.state.rooms
        return rooms.room_list_page(offset, limit)

    @app.get("/api/rooms/{room}/messages", response_model=None)
    async def room_history(
        request: Request,
        room: str,
        before: Annotated[int | None, Query(ge=1, le=MAX_MESSAGE_ID)] = None,
        around: Annotated[int | None, Query(ge=1, le=MAX_MESSAGE_ID)] = None,
        limit: Annotated[int, Query(ge=1, le=HISTORY_PAGE_MAX)] = 50,
    ) -> HistoryPage:
        """A page of history, oldest first: the `limit` messages before id `before` (or the newest),
        or with `around` the page centred on that id (to jump to a message)."""
        rooms: ChatRooms = app.state.rooms
        try:
            token = request.headers.get(ROOM_TOKEN_HEADER)
            return rooms.history_page(room, before, limit, token, around=around)
        except Refused as refusal:
            raise http_refusal(refusal) from None

    @app.get("/api/search", response_model=None)
    async def search(
        request: Request,
        q: Annotated[str, Query(max_length=MAX_FRAME_BYTES)],
        room: Annotated[list[str] | None, Query()] = None,
        offset: Annotated[int, Query(ge=0, le=MAX_SEARCH_OFFSET)] = 0,
        limit: Annotated[int, Query(ge=1, le=SEARCH_PAGE_MAX)] = SEARCH_PAGE,
    ) -> SearchPage:
        """A page of the messages holding every word of `q`, newest first, in the rooms the caller
        may read (or the `room`s named); tokens for private and direct rooms in the token header."""
        rooms: ChatRooms = app.state.rooms
        try:
            return rooms.search_page(q, room or [], offset, limit, request.headers.get(ROOM_TOKEN_HEADER))
        except Refused as refusal:
            raise http_refusal(refusal) from None

    def http_refusal(refusal: Refused) -> HTTPException:
        forbidden = refusal.code in (ErrorCode.PASSWORD_REQUIRED, ErrorCode.DIRECT_FORBIDDEN)
        status = 403 if forbidden else 400
        return HTTPException(status, detail={"code": refusal.code, "detail": refusal.detail})

    app.include_router(files_router(hosts))

    async def refuse(websocket: WebSocket, refusal: Refused) -> None:
        """An accepted room socket refused: one error frame saying why, then its close code."""
        code = REFUSAL_CLOSE_CODES.get(refusal.code, CloseCode.QUERY_INVALID)
        # A client may send its frame and hang up at once (the fuzzer does): then nobody is left
        # to tell, which is no error of the server's (it was a traceback per connection).
        with contextlib.suppress(WebSocketDisconnect):
            await websocket.send_json(error_frame(refusal))
            await websocket.close(code, refusal.detail[:120])

    async def enter_private(
        websocket: WebSocket, private: PrivateRooms, room: str, address: str | None
    ) -> None:
        """A private room's door: its password must be the first frame, before anything of the room
        (history, members, presence, typing, the welcome) is sent. Refused when it is not."""
        try:
            event = await asyncio.wait_for(websocket.receive(), PASSWORD_WAIT_SECONDS)
        except TimeoutError:
            event = {"type": "websocket.receive"}
        if event["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(event.get("code", CloseCode.NORMAL))
        frame = decode_password_frame(event.get("text"))
        # scrypt takes its tens of milliseconds on its own thread, not on the loop every room uses.
        token = await asyncio.get_running_loop().run_in_executor(
            PASSWORD_CHECKS, private.enter, room, frame, address
        )
        entered: EnteredFrame = {
            "type": "entered",
            "room": room,
            "token": token,
            "expires_in": private.token_seconds,
        }
        await websocket.send_json(entered)

    async def enter_direct(websocket: WebSocket, rooms: ChatRooms, room: str) -> tuple[Hello, str]:
        """A direct conversation's door: its first frame must be the hello of one of its two
        identities, before anything of the room is sent. Returns that hello (and its text);
        Refused otherwise."""
        try:
            event = await asyncio.wait_for(websocket.receive(), PASSWORD_WAIT_SECONDS)
        except TimeoutError:
            event = {"type": "websocket.receive"}
        if event["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(event.get("code", CloseCode.NORMAL))
        text: str | None = event.get("text")
        hello, token = rooms.enter_direct(room, text)
        assert text is not None
        entered: EnteredFrame = {
            "type": "entered",
            "room": room,
            "token": token,
            "expires_in": rooms.private.token_seconds,
        }
        await websocket.send_json(entered)
        return hello, text

    async def keep_token_fresh(rooms: ChatRooms, session: Session) -> None:
        """Send `session` a fresh token each time its last one is ROOM_TOKEN_REFRESH_FRACTION
        through its life, while its room is private or direct (an open room sends none)."""
        while True:
            await asyncio.sleep(rooms.private.token_seconds * ROOM_TOKEN_REFRESH_FRACTION)
            if not rooms.refresh_token(session):
                return

    # The seed's @app.websocket("/ws/{room}"), called by LanchatApp past the middleware (and
    # a plain Starlette route, so FastAPI's dependency machinery stays out of it too). The whole
    # rest of the path is the room, so a name with "/" reaches the rules and gets a clear error.
    async def room_socket(websocket: WebSocket) -> None:
        room: str = websocket.path_params["room"]
        rooms: ChatRooms = app.state.rooms
        query = websocket.query_params
        address = websocket.client.host if websocket.client else None
        with clients.room_socket(address) as admitted:
            try:
                if not admitted:
                    raise Refused(
                        ErrorCode.TOO_MANY_CONNECTIONS,
                        f"Your address has {room_socket_cap(address)} room connections open already,"
                        " the most one address may; leave a room and try again.",
                    )
                validate_origin(websocket.headers.get("origin"), websocket.headers.get("host"), hosts)
                validate_room(room)
                rich = validate_version(query.get("v")) >= 2
                name = validate_sender(query.get("name"), missing_ok=True)
                after = validate_after(query.get("after"))
            except Refused as refusal:
                await websocket.accept()  # first, so the client can read why
                await refuse(websocket, refusal)
                return
            await websocket.accept()
            if rooms.private.is_private(room):
                try:
                    if rooms.bans.banned_address(address):  # no password guessing for a banned address
                        raise banned_refusal()
                    await enter_private(websocket, rooms.private, room, address)
                except Refused as refusal:
                    await refuse(websocket, refusal)
                    return
                except WebSocketDisconnect:
                    return
            direct_hello: tuple[Hello, str] | None = None
            if is_direct_room(room):
                try:
                    if rooms.bans.banned_address(address):
                        raise banned_refusal()
                    direct_hello = await enter_direct(websocket, rooms, room)
                except Refused as refusal:
                    await refuse(websocket, refusal)
                    return
                except WebSocketDisconnect:
                    return
            try:
                # Checked here, with no await before the join, so the room cannot fill meanwhile.
                rooms.admit(room, address)
                if direct_hello is not None:
                    rooms.admit_direct(room, direct_hello[0])
            except Refused as refusal:
                await refuse(websocket, refusal)
                return
            session = rooms.join(websocket, room, name=name, rich=rich, after=after, address=address)
            if direct_hello is not None:  # the door read it; it identifies the member as any hello
                rooms.receive(session, direct_hello[1])
            # A member that passed a door keeps a live token while it stays (ROOM_TOKEN_REFRESH_FRACTION).
            refresher = asyncio.create_task(keep_token_fresh(rooms, session)) if rich else None
            try:
                while True:
                    event = await websocket.receive()
                    if event["type"] == "websocket.disconnect":
                        break
                    pause = rooms.receive(session, event.get("text"))
                    if pause:  # past a rate limit: see ChatRooms.receive
                        await asyncio.sleep(pause + TIMER_SLACK_SECONDS)
            finally:
                if refresher is not None:
                    refresher.cancel()
                rooms.leave(session)

    room_route = WebSocketRoute(ROOM_SOCKET_PATH, room_socket, name="room_socket")
    app.router.routes.append(room_route)  # before the UI's mount at "/", which would match it

    ui = config.ui_dir or default_ui_dir()
    if (ui / "index.html").is_file():
        app.mount("/", UiFiles(directory=ui, html=True), name="ui")
    else:

        @app.get("/", response_class=HTMLResponse)
        async def placeholder() -> str:
            return PLACEHOLDER_HTML

    return LanchatApp(app, room_route, hosts, clients, discovery)
