"""Serving the built UI: its files with cache headers, and a placeholder page while it is unbuilt."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketClose

__all__ = ["CONTENT_SECURITY_POLICY", "PLACEHOLDER_HTML", "UiFiles", "serve_ui"]

# Scripts and styles only from this server (Vite's build needs no eval); connections to any
# lanchat the user joins by address (http: and ws: on the LAN); never framed by another site.
# 'unsafe-inline' styles: Vue's :style bindings set style attributes. Images from any host the
# page joins (img-src http: https:): a room's image previews come from its host, which in the
# desktop window is another origin than the page's; messages never carry <img> (Markdown renders
# no images), only the attachment view sets a source, and only to the room's host. blob: is a
# file downloaded with progress, handed to the browser to save. 'wasm-unsafe-eval': the page hashes
# files it sends with WebAssembly (ui/src/fileHash.js); it allows compiling WebAssembly, never
# eval() of JavaScript.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data: blob: http: https:; connect-src 'self' http: https: ws: wss:;"
    " object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


PLACEHOLDER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lanchat</title></head>
<body><h1>lanchat</h1>
<p>The server is running, but the chat UI has not been built. Run <code>make run</code> in the checkout
(or <code>cd ui &amp;&amp; npm ci &amp;&amp; npm run build</code>) and reload.</p>
<p>Chat clients connect to <code>/ws/ROOM</code>; see <code>server/protocol/PROTOCOL.md</code>.</p>
</body></html>
"""


class UiFiles(StaticFiles):
    """The built UI, with cache headers that let a window start from its cache.

    Vite names everything under assets/ by a hash of its content, so those files never change
    under their name and are cached for good; index.html is revalidated on every load so a new
    build is picked up at once.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Mounted at "/", this sees every WebSocket path no route took: refuse it as Starlette's
        # router refuses an unknown path (HTTP 403 before the handshake), not with an assertion.
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        hashed = Path(full_path).parent.name == "assets"
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if hashed else "no-cache"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


async def placeholder() -> str:
    return PLACEHOLDER_HTML


def serve_ui(api: FastAPI, ui_dir: Path) -> None:
    """The built UI at "/", after every other route (the mount matches every path); the
    placeholder page while it is unbuilt."""
    if (ui_dir / "index.html").is_file():
        api.mount("/", UiFiles(directory=ui_dir, html=True), name="ui")
    else:
        api.add_api_route("/", placeholder, response_class=HTMLResponse)
