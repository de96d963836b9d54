"""Schema versions on PostgreSQL, one chain per component.

Each part of lanchat that keeps tables in the shared database (the history, the cluster's
nodes and members, the rooms' state, the files' records) owns a tuple of migrations and a row
of `schema_version` named after it. Separate chains let a part add a version without renumbering
another's. Every chain is migrated under one advisory lock inside the caller's transaction, so
nodes starting together migrate once, and a database a newer lanchat wrote is refused, not changed.
"""

from __future__ import annotations

from typing import Any

import psycopg

from server.storage.history import StorageFailed

__all__ = ["migrate_component", "schema_versions"]

# Held while a node creates or migrates a schema, so two nodes starting at once do it once.
_SCHEMA_LOCK = 0x6C616E63  # "lanc"


def schema_versions(db: psycopg.Connection[tuple[Any, ...]]) -> dict[str, int]:
    """Take the schema lock (until the caller's transaction ends) and read every component's version."""
    db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    rows = db.execute("SELECT component, version FROM schema_version")
    return {str(name): int(version) for name, version in rows}


def migrate_component(
    db: psycopg.Connection[tuple[Any, ...]], component: str, migrations: tuple[str, ...], where: str
) -> int:
    """Bring `component`'s tables to the last of `migrations`; the version it was at before.
    Call inside a transaction (`with db.transaction():`). Append a version; never edit one that
    has shipped."""
    current = schema_versions(db).get(component, 0)
    if current > len(migrations):
        raise StorageFailed(
            f"{where} has {component} schema {current}, newer than this lanchat's {len(migrations)}:"
            " run the newer lanchat, or another database"
        )
    for script in migrations[current:]:
        db.execute(script.encode())  # several statements: no parameters
    db.execute(
        "INSERT INTO schema_version (component, version) VALUES (%s, %s)"
        " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        (component, len(migrations)),
    )
    return current
