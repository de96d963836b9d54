"""StartingApp: the desktop window's page, answered before FastAPI has finished importing.

FastAPI and pydantic take about 0.3 s to import, and twice that while Qt WebEngine starts up
beside them on a two-core machine; meanwhile the window has asked for its page. So the desktop
app's server starts on this small ASGI app instead: it serves the built UI's files at once, and
imports and starts the full app (`create_app`) when the first request that needs it arrives (the
page's first API call or room socket), after the page itself has loaded. Such requests wait for
the full app rather than fail, and from then on every request goes to it. A client sees no
difference except that its first call may take a few tenths of a second.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from .config import ServerConfig
from .static import UiFiles, ui_dir

if TYPE_CHECKING:
    from .app import LanchatApp

__all__ = ["StartingApp", "FULL_APP_PATHS"]

log = logging.getLogger("lanchat.server")

# What the full app routes before its catch-all mount of the UI: the API and FastAPI's own
# documentation pages. (Room sockets are websocket requests, which always wait.)
FULL_APP_PATHS = ("/api/", "/docs", "/redoc", "/openapi.json")


class StartingApp:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.app: ASGIApp | None = None  # the full app, once started
        folder = config.ui_dir or ui_dir()
        self._ui = UiFiles(directory=folder, html=True) if (folder / "index.html").is_file() else None
        self._started: asyncio.Future[LanchatApp] | None = None
        self._lifespan = AsyncExitStack()
        self._closing = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is not None:
            await self.app(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._serve_lifespan(receive, send)
        elif scope["type"] == "http" and self._ui is not None and not scope["path"].startswith(FULL_APP_PATHS):
            await self._ui(scope, receive, send)
        else:
            app = await asyncio.shield(self._start())
            await app(scope, receive, send)

    def _start(self) -> asyncio.Future[LanchatApp]:
        if self._started is None:
            self._started = asyncio.ensure_future(self._import_and_start())
        return self._started

    async def _import_and_start(self) -> LanchatApp:
        # On a worker thread, so that the UI's files keep being served while it imports.
        app = await asyncio.get_running_loop().run_in_executor(None, self._create_full_app)
        if self._closing:
            raise RuntimeError("the server is stopping")
        await self._lifespan.enter_async_context(app.router.lifespan_context(app))
        self.app = app
        log.debug("the full app is ready")
        return app

    async def _warm_up(self) -> None:
        """Serve index.html once, to nobody, while the window is still starting.

        A first response from Starlette's static files pays for lazy imports, the MIME table
        and a worker thread: 35 ms alone, twice that beside Qt. The window's first request is
        on the clock; this one is not.
        """
        scope = {"type": "http", "method": "GET", "path": "/", "root_path": "", "headers": [], "query_string": b""}

        requested = False

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # a client that stays until the response is sent
            raise AssertionError("unreachable")

        async def send(message: dict) -> None:
            pass

        assert self._ui is not None
        try:
            await self._ui(scope, receive, send)
        except Exception:  # only a head start: the real request reports any problem
            log.debug("warming up the UI files failed", exc_info=True)

    def _create_full_app(self) -> LanchatApp:
        from .app import create_app  # the import this module exists to put off

        return create_app(self.config)

    async def _serve_lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        await send({"type": "lifespan.startup.complete"})
        warm_up = asyncio.ensure_future(self._warm_up()) if self._ui is not None else None
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        self._closing = True
        if warm_up is not None:
            warm_up.cancel()
        try:
            # The history store is closed (and flushed) here if the full app ever started.
            await self._lifespan.aclose()
        except Exception as exc:
            log.exception("stopping the app failed")
            await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
        else:
            await send({"type": "lifespan.shutdown.complete"})
