"""What every handler of one app shares, as one typed object on `app.state.web`.

create_app makes it (the config, the Host policy, the per-address counts, discovery); the lifespan
adds the services that belong to the event loop serving the app (the rooms, the files, the doctor).
Handlers reach it through `web_state` and `running` (FastAPI dependencies), the room socket and the
middleware through the app they are given: no module keeps any of it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from server.config import ServerConfig
from server.files.store import FileStore
from server.peers.discovery import Discovery
from server.peers.doctor import ConnectionDoctor
from server.rooms.service import ChatRooms
from server.tls.contexts import ServingIdentity
from server.web.client_limits import ClientConnections
from server.web.host_header import HostPolicy

__all__ = ["Services", "WebState", "running", "web_state"]


@dataclass(frozen=True, eq=False)
class Services:
    """What the lifespan makes, on the loop that serves the app: the rooms and the store belong to it."""

    loop: asyncio.AbstractEventLoop
    rooms: ChatRooms
    files: FileStore
    doctor: ConnectionDoctor


@dataclass(eq=False)
class WebState:
    """The app's shared state: made by create_app, its `services` set while the lifespan runs."""

    config: ServerConfig
    hosts: HostPolicy
    clients: ClientConnections  # connections per client address, for every listener of this app
    discovery: Discovery  # its methods run on the services' loop
    services: Services | None = None
    # The host's TLS identity, loaded by the lifespan (renewed when hosting starts); every
    # listener's front door reads it at each connection.
    tls: ServingIdentity | None = None

    def running(self) -> Services:
        if self.services is None:
            raise RuntimeError("the app has not started: its lifespan makes the rooms")
        return self.services


def web_state(connection: HTTPConnection) -> WebState:
    """The state of the app serving `connection` (a request or a socket)."""
    state: WebState = connection.app.state.web
    return state


def running(connection: HTTPConnection) -> Services:
    """The services of the app serving `connection`, which runs, since it is being served."""
    return web_state(connection).running()
