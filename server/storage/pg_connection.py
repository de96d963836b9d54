"""One PostgreSQL connection that a store shares between threads, one transaction at a time.

The rooms' shared state and the files' records each keep such a connection of their own, apart
from the history store's, so a slow call of one never waits on another's. A database error leaves
as StorageFailed (the rooms and files know no psycopg), and the next call connects again: a
restarted database costs the call that found out, no more.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from server.storage.database_url import describe_database
from server.storage.history import StorageFailed

__all__ = ["CONNECT_TIMEOUT_SECONDS", "SharedConnection"]

CONNECT_TIMEOUT_SECONDS = 10


class SharedConnection:
    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        """One transaction (a savepoint inside one already open on this thread)."""
        with self._lock:
            try:
                if self._conn is None or self._conn.closed or self._conn.broken:
                    if self._conn is not None:
                        self._conn.close()
                    self._conn = psycopg.connect(
                        self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
                    )
                with self._conn.transaction():
                    yield self._conn
            except psycopg.Error as exc:
                raise StorageFailed(f"{describe_database(self.url)}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
