"""Typing notices between a cluster's nodes: NOTIFY on a channel of their own, never a table.

A notice a node relays to its own members (server/rooms/actions/typing_notice.py, at the pace
server/rooms/typing_pace.py keeps) goes to the other nodes as `NOTIFY lanchat_typing` with
[room, name, identity, node]. Each other node relays it to its members of the room under its own
room budget (so a chatty node cannot flood another's members), and the node it came from skips
it (its members had it already). It is sent only when another node lists names in the room.

Why a channel and a connection of their own: a notice is no position of the room's sequence and
is never stored, so it has nothing to do with the rooms' channel; and losing one costs nothing
(the typist's next comes within TYPING_RELAY_SECONDS), so the serving loop never waits for the
database to tell others that someone types. Notices wait in a short queue for this connection
(made at the first notice, and again after a loss); past MAX_TYPING_WAITING they are dropped, and
those waiting when the connection is lost are dropped too: they would arrive stale.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from typing import NamedTuple

import psycopg

from server.cluster.listener import RECONNECT_SECONDS, connect_kept_alive
from server.rooms.validation import as_a_member_has_them

__all__ = ["MAX_TYPING_WAITING", "TYPING_CHANNEL", "HeardTyping", "TypingNotices"]

log = logging.getLogger("lanchat.cluster")

TYPING_CHANNEL = "lanchat_typing"
# Notices waiting for the connection: a few rooms' budgets' worth. Past it they are dropped.
MAX_TYPING_WAITING = 64


class HeardTyping(NamedTuple):
    room: str
    sender: str
    identity: str | None


class TypingNotices:
    def __init__(self, url: str, node: str, elsewhere: Callable[[str], Mapping[str, str | None]]) -> None:
        """`elsewhere`: a room's names on the other nodes (presence.py)."""
        self.url = url
        self.node = node
        self._elsewhere = elsewhere
        self._waiting: asyncio.Queue[str] = asyncio.Queue(MAX_TYPING_WAITING)
        self.dropped = 0  # notices the queue had no room for

    def tell(self, room: str, name: str, identity: str | None) -> None:
        """Tell the other nodes `name` types in `room` (never waits; dropped when too many wait)."""
        if not self._elsewhere(room):
            return  # nobody there to tell
        try:
            self._waiting.put_nowait(json.dumps([room, name, identity, self.node], ensure_ascii=False))
        except asyncio.QueueFull:
            self.dropped += 1

    def heard(self, payload: str) -> HeardTyping | None:
        """A notice heard on TYPING_CHANNEL: None for this node's own, or one of no known shape."""
        try:
            room, sender, identity, node = json.loads(payload)
        except (ValueError, TypeError) as exc:  # a node of another version: not worth going deaf
            log.warning("cluster: a typing notice of no known shape (%s): %r", exc, payload)
            return None
        if node == self.node:
            return None
        # Any role that may connect to the database may NOTIFY: only a room and a name this
        # node would take from its own members reach them (no name of a thousand characters,
        # none with a bidi override that draws another person's name).
        if not as_a_member_has_them(room, sender):
            log.warning("cluster: a typing notice with a room or name no node sends: %r", payload)
            return None
        return HeardTyping(room, sender, identity if isinstance(identity, str) else None)

    async def run(self) -> None:
        """Send what waits, until cancelled; a lost connection is made again at the next notice."""
        while True:
            try:
                await self._send()
            except (psycopg.Error, OSError) as exc:
                log.debug("cluster: typing notices' connection lost: %s", exc)
            except Exception:
                log.exception("cluster: sending typing notices failed")
            while not self._waiting.empty():  # stale by the time a connection is back
                self._waiting.get_nowait()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _send(self) -> None:
        payload = await self._waiting.get()  # a node where nobody types holds no connection
        conn = await connect_kept_alive(self.url, "lanchat typing")
        async with conn:
            while True:
                await conn.execute("SELECT pg_notify(%s, %s)", (TYPING_CHANNEL, payload))
                payload = await self._waiting.get()
