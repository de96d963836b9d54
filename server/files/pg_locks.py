"""The PATCH lock of an upload, across a cluster's nodes: a PostgreSQL advisory lock named by the
upload's id, held by a connection of its own for as long as the request writes.

A node holds its own lock first (uploads.py, the same as a single host), then this one, so two
PATCHes of one upload never write at once whichever nodes they reached. A node that dies loses its
connection, and the database lets go of the lock with it: no lease to expire, no row to clean.

A single host asks a silent holder to let go (a laptop that slept holds its PATCH open for a
minute); across nodes the ask goes through the upload's row: a request waiting for the lock bumps
`wanted` every ASK_AGAIN_SECONDS, and the holder's node, which reads the row every
TAKEOVER_POLL_SECONDS while it holds the lock, sets the holder's takeover event as a waiting
request on its own node would. So the waiting request gets the answer a single host gives: the
upload if the holder was silent, 423 upload_busy if bytes still arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import psycopg

from server.files.pg_index import CONTENT_LOCK_SPACE
from server.files.refusals import UploadRefused
from server.protocol.codes import ErrorCode
from server.storage.database_url import describe_database

__all__ = [
    "ASK_AGAIN_SECONDS",
    "LOCK_RETRY_SECONDS",
    "TAKEOVER_POLL_SECONDS",
    "PostgresUploadLocks",
]

# The first of the advisory lock's two keys: upload locks (the second is hashtext of the id).
_UPLOAD_LOCK_SPACE = 0x6C667570  # "lfup"
# How often a request waiting for another node's PATCH tries the lock again.
LOCK_RETRY_SECONDS = 0.1
# How often it asks the holder again to let go (a holder that took the lock after the first ask
# would never hear it otherwise).
ASK_AGAIN_SECONDS = 0.5
# How often the holder's node reads whether anyone asked: with the takeover grace (1 s), a silent
# holder on another node lets go about this much later than one on the same node.
TAKEOVER_POLL_SECONDS = 0.25
_CONNECT_TIMEOUT_SECONDS = 10

AsyncConnection = psycopg.AsyncConnection[tuple[Any, ...]]


def _storage_failed(url: str, exc: psycopg.Error) -> UploadRefused:
    return UploadRefused(
        500,
        ErrorCode.STORAGE_FAILED,
        f"The host could not reach its database ({describe_database(url)}): {exc}",
    )


async def _let_go(db: AsyncConnection, unlock: str, key: tuple[int, str]) -> None:
    """Unlock before the connection closes: a session's locks end with it too, but the server ends
    the session after the client has gone, and another node trying the lock that moment would
    still find it held. Should the unlock fail, closing lets go all the same."""
    with contextlib.suppress(psycopg.Error):
        await db.execute(unlock, key)


class PostgresUploadLocks:
    def __init__(self, url: str) -> None:
        self.url = url

    @contextlib.asynccontextmanager
    async def hold(self, upload_id: str, wait: float, takeover: asyncio.Event) -> AsyncIterator[None]:
        """Hold the upload's lock, waiting at most `wait` seconds for it (TimeoutError after);
        `takeover` is set when a request on any node asks for it meanwhile."""
        try:
            db = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT_SECONDS
            )
        except psycopg.Error as exc:
            raise _storage_failed(self.url, exc) from None
        watcher: asyncio.Task[None] | None = None
        try:
            try:
                asked = await self._acquire(db, upload_id, wait)
            except psycopg.Error as exc:
                raise _storage_failed(self.url, exc) from None
            watcher = asyncio.create_task(self._watch(db, upload_id, asked, takeover))
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError, psycopg.Error):
                    await watcher
                await _let_go(
                    db, "SELECT pg_advisory_unlock(%s, hashtext(%s))", (_UPLOAD_LOCK_SPACE, upload_id)
                )
            with contextlib.suppress(psycopg.Error):
                await db.close()

    @contextlib.asynccontextmanager
    async def content(self, sha256: str) -> AsyncIterator[None]:
        """Hold the content's lock while an upload of it becomes complete: a node finding the
        content unused (PostgresFileIndex.content_lock) waits, then finds it used."""
        try:
            db = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT_SECONDS
            )
            await db.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (CONTENT_LOCK_SPACE, sha256))
        except psycopg.Error as exc:
            raise _storage_failed(self.url, exc) from None
        try:
            yield
        finally:
            await _let_go(db, "SELECT pg_advisory_unlock(%s, hashtext(%s))", (CONTENT_LOCK_SPACE, sha256))
            with contextlib.suppress(psycopg.Error):
                await db.close()

    async def _acquire(self, db: AsyncConnection, upload_id: str, wait: float) -> int:
        """Take the lock; the row's `wanted` count once it is ours (asks after it are for us)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        ask_at = loop.time()
        while True:
            cursor = await db.execute(
                "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (_UPLOAD_LOCK_SPACE, upload_id)
            )
            row = await cursor.fetchone()
            if row is not None and row[0]:
                return await self._wanted(db, upload_id)
            now = loop.time()
            if now >= deadline:
                raise TimeoutError
            if now >= ask_at:
                await db.execute("UPDATE file_uploads SET wanted = wanted + 1 WHERE id = %s", (upload_id,))
                ask_at = now + ASK_AGAIN_SECONDS
            await asyncio.sleep(min(LOCK_RETRY_SECONDS, deadline - now))

    @staticmethod
    async def _wanted(db: AsyncConnection, upload_id: str) -> int:
        cursor = await db.execute("SELECT wanted FROM file_uploads WHERE id = %s", (upload_id,))
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _watch(self, db: AsyncConnection, upload_id: str, asked: int, takeover: asyncio.Event) -> None:
        """Until cancelled: set `takeover` once a request elsewhere asks for the lock."""
        while True:
            await asyncio.sleep(TAKEOVER_POLL_SECONDS)
            try:
                wanted = await self._wanted(db, upload_id)
            except psycopg.Error:
                return  # the holder goes on; the waiting request gets 423 as from a live holder
            if wanted > asked:
                takeover.set()
                return
