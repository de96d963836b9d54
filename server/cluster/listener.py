"""The node's one listening connection: LISTEN on the cluster's channels, hand each notification
to a callback, and when the connection is lost (the database restarted, the network dropped),
connect again by itself every RECONNECT_SECONDS. `connected` is called each time listening
starts, before any notification is handed over: what was stored while nobody listened is read
from the tables then, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable

import psycopg

from server.storage.database_url import describe_database

__all__ = ["LISTENER_APPLICATION", "RECONNECT_SECONDS", "Listener", "connect_kept_alive"]

log = logging.getLogger("lanchat.cluster")

RECONNECT_SECONDS = 1.0
# The listening connection's application_name, followed by the node's process id.
LISTENER_APPLICATION = "lanchat listener"
_CONNECT_TIMEOUT_SECONDS = 5


class Listener:
    def __init__(
        self,
        url: str,
        channels: tuple[str, ...],
        heard: Callable[[str, str], None],
        connected: Callable[[], None],
        lost: Callable[[], None],
    ) -> None:
        self.url = url
        self.channels = channels
        self._heard = heard  # (channel, payload)
        self._connected = connected
        self._lost = lost
        self.listening = False
        self.first_listening = asyncio.Event()  # set once LISTEN first took: the node hears the others
        self.connections = 0  # how many times listening started (a test reads it in the log)

    async def run(self) -> None:
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError) as exc:
                if self.listening:
                    log.warning("cluster: lost the listening connection to %s: %s",
                                describe_database(self.url), exc)  # fmt: skip
            except Exception:  # a bug in a callback must not leave the node deaf for good
                log.exception("cluster: listening failed; connecting again")
            if self.listening:
                self.listening = False
                self._lost()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen(self) -> None:
        conn = await connect_kept_alive(self.url, LISTENER_APPLICATION)
        async with conn:
            for channel in self.channels:
                await conn.execute(f'LISTEN "{channel}"')
            self.listening = True
            self.first_listening.set()
            self.connections += 1
            if self.connections > 1:
                log.warning("cluster: listening again to %s", describe_database(self.url))
            self._connected()
            async for notify in conn.notifies():
                self._heard(notify.channel, notify.payload)


async def connect_kept_alive(url: str, application: str) -> psycopg.AsyncConnection[tuple[object, ...]]:
    """A connection of the node's own that mostly waits (to hear, or to be given something to
    send), named `application` and this process's id in pg_stat_activity (an operator, or a test
    cutting it, finds it). Without TCP keepalives a database machine that vanished (no FIN, no
    RST) would leave it waiting forever: dead after about 5 + 3 x 2 = 11 s of silence."""
    return await psycopg.AsyncConnection.connect(
        url,
        autocommit=True,
        connect_timeout=_CONNECT_TIMEOUT_SECONDS,
        application_name=f"{application} {os.getpid()}",
        keepalives=1,
        keepalives_idle=5,
        keepalives_interval=2,
        keepalives_count=3,
    )
