"""The desktop server's start-up (server.startup): the UI's files at once, the full app on first need.

A real uvicorn on a loopback port (ServerThread with ui_first, as the window runs it) and real
HTTP and WebSocket clients.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest
import websockets

from server.app import create_app
from server.config import ServerConfig
from server.history import HistoryStore
from server.runner import ServerThread
from server.startup import FULL_APP_PATHS, StartingApp


@pytest.fixture
def built_ui(tmp_path):
    ui = tmp_path / "ui"
    (ui / "assets").mkdir(parents=True)
    (ui / "index.html").write_text('<!doctype html><title>lanchat</title><script src="/assets/app-1a2b.js"></script>')
    (ui / "assets" / "app-1a2b.js").write_text("console.log('lanchat');\n")
    return ui


@pytest.fixture
def window_server(tmp_path, built_ui):
    server = ServerThread(ServerConfig(port=0, data_dir=tmp_path / "data", ui_dir=built_ui), ui_first=True)
    server.start()
    yield server
    server.stop()


def starting_app(server: ServerThread) -> StartingApp:
    app = server._server.config.app  # what uvicorn runs
    assert isinstance(app, StartingApp)
    return app


def get(server: ServerThread, path: str) -> tuple[int, str]:
    with urllib.request.urlopen(f"{server.url.rstrip('/')}{path}", timeout=10) as response:
        return response.status, response.read().decode()


def seed_round_trip(server: ServerThread, room: str, text: str) -> dict:
    async def talk():
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws/{room}", open_timeout=10) as ws:
            await ws.send(json.dumps({"text": text, "sender": "Аня", "room": room}))
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    return asyncio.run(talk())


def test_the_ui_is_served_before_the_full_app_which_starts_on_the_first_api_call(window_server):
    status, page = get(window_server, "/")
    assert status == 200 and "app-1a2b.js" in page
    assert get(window_server, "/assets/app-1a2b.js")[0] == 200
    assert starting_app(window_server).app is None

    status, body = get(window_server, "/api/health")

    assert status == 200 and json.loads(body)["status"] == "ok"
    assert starting_app(window_server).app is not None
    # From now on the full app answers everything, the UI's files too (gzip and cache headers).
    assert get(window_server, "/")[1] == page


def test_a_room_socket_opened_first_waits_for_the_full_app_and_works(window_server):
    assert starting_app(window_server).app is None

    echoed = seed_round_trip(window_server, "general", "первое сообщение")

    assert echoed["text"] == "первое сообщение" and echoed["room"] == "general" and echoed["timestamp"] > 0


def test_stopping_flushes_what_the_full_app_stored(tmp_path, window_server):
    seed_round_trip(window_server, "general", "kept")

    window_server.stop()

    store = HistoryStore(tmp_path / "data")
    try:
        assert [message.text for message in store.before("general", None, 10)] == ["kept"]
    finally:
        store.close()


def test_stopping_before_the_full_app_ever_started_is_clean(tmp_path, built_ui):
    server = ServerThread(ServerConfig(port=0, data_dir=tmp_path / "data", ui_dir=built_ui), ui_first=True)
    server.start()
    assert get(server, "/")[0] == 200

    server.stop()

    assert not server.running and starting_app(server).app is None


def test_the_full_app_paths_cover_every_route_before_the_ui(tmp_path):
    # StartingApp answers any other HTTP path from the UI's files; each route of the full app
    # must therefore fall under FULL_APP_PATHS, or it would get the UI's 404 while starting.
    app = create_app(ServerConfig(data_dir=tmp_path / "data", ui_dir=tmp_path / "no-ui"))
    paths = [route.path for route in app.routes if getattr(route, "path", "/") not in ("/", "")]
    assert paths, "the full app has routes"
    for path in paths:
        assert path.startswith(FULL_APP_PATHS), f"{path} is not in FULL_APP_PATHS"
