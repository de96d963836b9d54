"""The app's lifespan: the rooms, the store and the files open on the serving loop, and close in order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from server.cluster.limits import ClusterLockouts, ClusterNewRoomLimits
from server.cluster.shared_state import SharedState, open_shared_state
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
    shared = open_shared_state(config.database_url)
    if shared is None:
        private = PrivateRooms(config.data_dir, config.private_rooms, token_seconds=config.room_token_seconds)
        bans = BanList(config.data_dir / BANS_FILE)
    else:  # a cluster node: the database keeps what the host decided, for every node alike
        private = PrivateRooms(
            None,
            config.private_rooms,
            token_seconds=config.room_token_seconds,
            token_key=shared.token_key(),
            lockouts=ClusterLockouts(shared),
        )
        bans = BanList(None)
    files = FileStore(
        config.data_dir, config.file_limits, files_dir=config.files_dir, database_url=config.database_url
    )
    rooms = ChatRooms(
        store,
        manager,
        private,
        bans,
        edit_window_seconds=config.edit_window_seconds,
        files=files,
    )
    if shared is not None:
        rooms.new_rooms = ClusterNewRoomLimits(shared)
    background = [asyncio.create_task(files.sweep_forever(config.upload_sweep_seconds))]
    sync = None
    if shared is not None:
        sync = SharedState(rooms, shared, config.state_poll_seconds)
        sync.load()
        background.append(asyncio.create_task(sync.run()))
    state.services = Services(asyncio.get_running_loop(), rooms, files, ConnectionDoctor())
    # The file routes and the window's host controls read these two from the app's state.
    app.state.rooms, app.state.files = rooms, files
    discovery.has_private_rooms = lambda: bool(private.rooms())
    await start_browsing(config, discovery)
    cluster = None
    if config.database_url is not None:
        # Imported here: a single host on SQLite never loads psycopg.
        from server.cluster.node import start_cluster

        cluster = await start_cluster(rooms, store, sync.wake if sync is not None else None)
    try:
        yield
    finally:
        if cluster is not None:
            await cluster.stop()
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await discovery.close()  # goodbyes first, while the network is surely still there
        manager.close_all()
        rooms.receipts.close()
        store.close()
        files.close()
        if shared is not None:
            shared.close()
