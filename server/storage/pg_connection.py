"""One PostgreSQL connection that a store shares between threads, one transaction at a time.

The rooms' shared state and the files' records each keep such a connection of their own, apart
from the history store's, so a slow call of one never waits on another's. A database error leaves
as StorageFailed (the rooms and files know no psycopg), and the next call connects again: a
restarted database costs the call that found out, no more.

Each outermost transaction is one store call in pg_reach's sense: waiting for the connection
(another thread's call holds it), connecting and the statements together take at most
STORE_CALL_TIMEOUT_SECONDS, and none is tried while the database is away. (One case goes past
it: a call that waited for the connection and must then connect again gets psycopg's whole
connect timeout, CONNECT_TIMEOUT_SECONDS, however little of its own time is left.)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from server.storage.database_url import describe_database
from server.storage.history import StorageFailed
from server.storage.pg_reach import STORE_CALL_TIMEOUT_SECONDS, reach_of

__all__ = ["SharedConnection"]


class SharedConnection:
    def __init__(self, url: str) -> None:
        self.url = url
        self._reach = reach_of(url)
        self._lock = threading.RLock()
        self._depth = 0  # transactions open on the thread holding the lock
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._conn is not None:
                self._conn.close()
            self._conn = self._reach.connect()
        return self._conn

    @contextmanager
    def transaction(
        self, *, seconds: float | None = STORE_CALL_TIMEOUT_SECONDS
    ) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        """One transaction (a savepoint inside one already open on this thread), cut after
        `seconds` (None: never, for a store's migration before the node serves: it may wait for
        another node's)."""
        deadline = math.inf if seconds is None else time.monotonic() + seconds
        if not self._lock.acquire(timeout=-1 if seconds is None else seconds):
            raise StorageFailed(
                f"{describe_database(self.url)}: another call held the connection for {seconds:g} s"
            )
        try:
            if self._depth:  # inside this thread's call: its connection and its bound
                assert self._conn is not None
                self._depth += 1
                try:
                    with self._conn.transaction():
                        yield self._conn
                except psycopg.Error as exc:
                    raise StorageFailed(f"{describe_database(self.url)}: {exc}") from exc
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                with self._reach.call(self._connection, deadline) as db, db.transaction():
                    yield db
            finally:
                self._depth = 0
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
