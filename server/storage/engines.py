"""Which engine keeps the history: SQLite in the data folder unless a PostgreSQL URL is given;
the read receipts go where the history is."""

from __future__ import annotations

from pathlib import Path

from server.storage.database_url import is_postgres_url
from server.storage.history import HistoryLimits, HistoryStore
from server.storage.receipts import ReceiptStore, SqliteReceipts
from server.storage.sqlite_history import SqliteHistoryStore

__all__ = ["open_history", "open_receipts"]


def open_history(data_dir: Path, limits: HistoryLimits, database_url: str | None = None) -> HistoryStore:
    """The store for this server: PostgreSQL at `database_url`, else SQLite in `data_dir`."""
    if database_url is None:
        return SqliteHistoryStore(data_dir, limits)
    if not is_postgres_url(database_url):
        raise ValueError("a database address starts with postgresql://")
    # Imported here: the window and a plain `lanchat serve` never load psycopg (and libpq), and
    # the frozen app does not ship it.
    try:
        from server.storage.postgres_history import PostgresHistoryStore
    except ImportError as exc:
        raise ValueError(f"PostgreSQL needs psycopg ({exc}): pip install 'lanchat[postgres]'") from exc

    return PostgresHistoryStore(database_url, data_dir, limits)


def open_receipts(store: HistoryStore) -> ReceiptStore:
    """The read receipts beside `store`: a table of its SQLite file, or of its PostgreSQL
    database (shared by a cluster's nodes)."""
    if isinstance(store, SqliteHistoryStore):
        return SqliteReceipts(store.path)
    # Only a PostgreSQL store gets here, so psycopg is importable.
    from server.storage.pg_receipts import PostgresReceipts
    from server.storage.postgres_history import PostgresHistoryStore

    if not isinstance(store, PostgresHistoryStore):
        raise TypeError(f"no read receipts for a history kept by {type(store).__name__}")
    return PostgresReceipts(store)
