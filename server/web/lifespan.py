"""The app's lifespan: the rooms, the store and the files open on the serving loop, and close in order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from server.files.store import FileStore
from server.peers.discovery import start_browsing
from server.peers.doctor import ConnectionDoctor
from server.rooms.bans import BANS_FILE, BanList
from server.rooms.hub import ConnectionManager
from server.rooms.private import PrivateRooms
from server.rooms.service import ChatRooms
from server.storage.engines import open_history
from server.web.state import Services, WebState

__all__ = ["lifespan"]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: WebState = app.state.web
    config, discovery = state.config, state.discovery
    store = open_history(config.data_dir, config.history_limits, config.database_url)
    manager = ConnectionManager()
    private = PrivateRooms(config.data_dir, config.private_rooms, token_seconds=config.room_token_seconds)
    files = FileStore(config.data_dir, config.file_limits)
    rooms = ChatRooms(
        store,
        manager,
        private,
        BanList(config.data_dir / BANS_FILE),
        edit_window_seconds=config.edit_window_seconds,
        files=files,
    )
    state.services = Services(asyncio.get_running_loop(), rooms, files, ConnectionDoctor())
    # The file routes and the window's host controls read these two from the app's state.
    app.state.rooms, app.state.files = rooms, files
    discovery.has_private_rooms = lambda: bool(private.rooms())
    await start_browsing(config, discovery)
    sweeper = asyncio.create_task(files.sweep_forever(config.upload_sweep_seconds))
    cluster = None
    if config.database_url is not None:
        # Imported here: a single host on SQLite never loads psycopg.
        from server.cluster import start_cluster

        cluster = await start_cluster(rooms, store)
    try:
        yield
    finally:
        if cluster is not None:
            await cluster.stop()
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await discovery.close()  # goodbyes first, while the network is surely still there
        manager.close_all()
        rooms.receipts.close()
        store.close()
        files.close()
