"""The files' rows in the PostgreSQL database a cluster's nodes share (component "files"): the same
rows as files.sqlite3 (index.py), so an upload created on one node is found, resumed, finished and
attached on another, and an attachment stored through one node downloads from any. The bytes are
in the folder every node mounts (`--files-dir`); only the rows are here.

Limits that must hold for the whole cluster hold: the rows counted are every node's, and an upload
is weighed against them and added under one advisory lock (`admitting`), so two nodes admitting at
once cannot both take the last room's bytes.

The PATCH lock that keeps two requests from writing one upload at once is pg_locks.py's; this
module keeps only the `wanted` counter it asks the holder through.

Synchronous on the serving loop, as the history's PostgreSQL store: one connection in autocommit
mode, used by one caller at a time (a lock), reconnected by the next call after a failure, each
call bounded as the history's (pg_connection.py, pg_reach.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import psycopg
from psycopg import pq

from server.files.index import (
    ATTACHMENT_COLUMNS,
    UPLOAD_COLUMNS,
    Attachment,
    StoredUpload,
    attachment_from_row,
    upload_from_row,
)
from server.files.thumbnails import ImageFacts
from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused
from server.storage.database_url import describe_database
from server.storage.pg_connection import SharedConnection
from server.storage.pg_schema import migrate_component

__all__ = ["COMPONENT", "CONTENT_LOCK_SPACE", "PostgresFileIndex", "insert_moved_in"]

COMPONENT = "files"
# Held (until the transaction ends) while an upload is weighed against the limits and added.
_ADMIT_LOCK = 0x6C66716F  # "lfqo"
# The first of two keys (the second: hashtext of the SHA-256) of the lock a node holds while it
# finds a content unused and removes it, or makes an upload of it complete (pg_locks.py): one node
# does not remove a content that another is making a finished upload count on.
CONTENT_LOCK_SPACE = 0x6C66636F  # "lfco"

# Append a version; never edit one that has shipped.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE file_uploads (
        id        TEXT             PRIMARY KEY,
        room      TEXT             NOT NULL,
        length    BIGINT           NOT NULL,
        name      TEXT             NOT NULL,
        type      TEXT             NOT NULL,
        sha256    TEXT             NOT NULL,  -- hex, as the client declared it
        address   TEXT,
        created   DOUBLE PRECISION NOT NULL,
        touched   DOUBLE PRECISION NOT NULL,
        complete  BOOLEAN          NOT NULL DEFAULT FALSE,
        width     INTEGER,
        height    INTEGER,
        preview   TEXT,
        thumbnail BOOLEAN          NOT NULL DEFAULT FALSE,
        wanted    BIGINT           NOT NULL DEFAULT 0  -- bumped by a request waiting for its PATCH lock
    );
    CREATE INDEX file_uploads_unfinished ON file_uploads (address) WHERE NOT complete;
    CREATE INDEX file_uploads_touched ON file_uploads (touched);
    CREATE INDEX file_uploads_content ON file_uploads (sha256) WHERE complete;
    CREATE TABLE file_attachments (
        id         TEXT    PRIMARY KEY,
        room       TEXT    NOT NULL,
        message_id BIGINT  NOT NULL,
        position   INTEGER NOT NULL,
        name       TEXT    NOT NULL,
        size       BIGINT  NOT NULL,
        type       TEXT    NOT NULL,
        sha256     TEXT    NOT NULL,
        width      INTEGER,
        height     INTEGER,
        preview    TEXT,
        thumbnail  BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX file_attachments_message ON file_attachments (room, message_id);
    CREATE INDEX file_attachments_content ON file_attachments (sha256);
    """,
)


Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresFileIndex:
    """FileRecords on PostgreSQL. Thread-safe: a lock keeps one statement or transaction on the
    connection at a time."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._connection = SharedConnection(url)
        with self._connection.transaction(seconds=None) as db:
            migrate_component(db, COMPONENT, _MIGRATIONS, describe_database(url))

    def _transaction(self) -> AbstractContextManager[Connection]:
        """One transaction (a savepoint inside one already open); StorageFailed on a database error."""
        return self._connection.transaction()

    def close(self) -> None:
        self._connection.close()

    def _joined(self, joint: object) -> AbstractContextManager[Connection]:
        """The transaction a caller has open on another connection to this database, or one of ours."""
        if joint is None:
            return self._transaction()
        if (
            not isinstance(joint, psycopg.Connection)
            or joint.info.transaction_status != pq.TransactionStatus.INTRANS
        ):
            raise TypeError(f"expected a psycopg connection inside a transaction, not {joint!r}")
        return nullcontext(joint)

    @contextmanager
    def admitting(self) -> Iterator[object]:
        """Every node weighs a new upload against the same rows, one at a time."""
        with self._transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_ADMIT_LOCK,))
            yield db

    @contextmanager
    def content_lock(self, sha256: str) -> Iterator[bool]:
        """False when an upload of this content is becoming complete (pg_locks.py holds the lock):
        it is about to be used. Never waited for: the holder may be this node, whose event loop
        would then wait for itself."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", (CONTENT_LOCK_SPACE, sha256)
            ).fetchone()
            yield bool(row and row[0])

    # Uploads

    def upload(self, upload_id: str) -> StoredUpload | None:
        with self._transaction() as db:
            row = db.execute(
                f"SELECT {UPLOAD_COLUMNS} FROM file_uploads WHERE id = %s", (upload_id,)
            ).fetchone()
        return upload_from_row(row) if row else None

    def add_upload(self, upload: StoredUpload) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO file_uploads (id, room, length, name, type, sha256, address, created, touched)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    upload.id,
                    upload.room,
                    upload.length,
                    upload.name,
                    upload.type,
                    upload.sha256,
                    upload.address,
                    upload.created,
                    upload.touched,
                ),
            )

    def touch(self, upload_id: str, now: float) -> None:
        with self._transaction() as db:
            db.execute("UPDATE file_uploads SET touched = %s WHERE id = %s", (now, upload_id))

    def mark_complete(self, upload_id: str, now: float, facts: ImageFacts) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE file_uploads SET complete = TRUE, touched = %s, width = %s, height = %s,"
                " preview = %s, thumbnail = %s WHERE id = %s",
                (now, facts.width, facts.height, facts.preview, facts.thumbnail, upload_id),
            )

    def remove_upload(self, upload_id: str) -> str | None:
        with self._transaction() as db:
            row = db.execute(
                "DELETE FROM file_uploads WHERE id = %s RETURNING complete, sha256", (upload_id,)
            ).fetchone()
        return str(row[1]) if row is not None and row[0] else None

    def untouched_since(self, cutoff: float) -> list[str]:
        with self._transaction() as db:
            rows = db.execute("SELECT id FROM file_uploads WHERE touched < %s", (cutoff,)).fetchall()
        return [str(row[0]) for row in rows]

    def unfinished(self) -> Iterator[tuple[str, str, int, str | None]]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, room, length, address FROM file_uploads WHERE NOT complete"
            ).fetchall()
        for upload_id, room, length, address in rows:
            yield str(upload_id), str(room), int(length), address

    def unfinished_of(self, address: str | None) -> int:
        with self._transaction() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM file_uploads WHERE NOT complete AND address IS NOT DISTINCT FROM %s",
                (address,),
            ).fetchone()
        return int(row[0]) if row else 0

    def bytes_stored(self, room: str | None) -> int:
        with self._transaction() as db:
            row = db.execute(
                "SELECT (SELECT COALESCE(SUM(length), 0) FROM file_uploads"
                "        WHERE complete AND (%(room)s::text IS NULL OR room = %(room)s))"
                "     + (SELECT COALESCE(SUM(size), 0) FROM file_attachments"
                "        WHERE %(room)s::text IS NULL OR room = %(room)s)",
                {"room": room},
            ).fetchone()
        return int(row[0]) if row else 0

    def content_used(self, sha256: str) -> bool:
        with self._transaction() as db:
            row = db.execute(
                "SELECT EXISTS (SELECT 1 FROM file_attachments WHERE sha256 = %(h)s)"
                " OR EXISTS (SELECT 1 FROM file_uploads WHERE sha256 = %(h)s AND complete)",
                {"h": sha256},
            ).fetchone()
        return bool(row and row[0])

    # Attachments

    def attach(self, attachments: list[Attachment], upload_ids: list[str], joint: object = None) -> None:
        """In one transaction: the attachments, in their order, replace the uploads they were. An
        upload another node attached meanwhile (to another message) is not attached twice: Refused,
        and nothing of the transaction stays. `joint`: the history store's transaction that
        stores their message (a connection to this same database), which they then commit with,
        or roll back with it; otherwise one of this index's own."""
        with self._joined(joint) as db:
            for position, (attachment, upload_id) in enumerate(zip(attachments, upload_ids, strict=True)):
                if not db.execute("DELETE FROM file_uploads WHERE id = %s", (upload_id,)).rowcount:
                    raise Refused(
                        ErrorCode.ATTACHMENT_INVALID, f"{attachment.name} was just sent with another message."
                    )
                db.execute(
                    f"INSERT INTO file_attachments ({ATTACHMENT_COLUMNS}, position)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        attachment.id,
                        attachment.room,
                        attachment.message_id,
                        attachment.name,
                        attachment.size,
                        attachment.type,
                        attachment.sha256,
                        attachment.width,
                        attachment.height,
                        attachment.preview,
                        attachment.thumbnail,
                        position,
                    ),
                )

    def attachment(self, attachment_id: str) -> Attachment | None:
        with self._transaction() as db:
            row = db.execute(
                f"SELECT {ATTACHMENT_COLUMNS} FROM file_attachments WHERE id = %s", (attachment_id,)
            ).fetchone()
        return attachment_from_row(row) if row else None

    def attachments_of(self, room: str, message_ids: list[int]) -> dict[int, list[Attachment]]:
        found: dict[int, list[Attachment]] = {}
        if not message_ids:
            return found
        with self._transaction() as db:
            rows = db.execute(
                f"SELECT {ATTACHMENT_COLUMNS} FROM file_attachments"
                " WHERE room = %s AND message_id = ANY(%s) ORDER BY message_id, position",
                (room, message_ids),
            ).fetchall()
        for row in rows:
            attachment = attachment_from_row(row)
            found.setdefault(attachment.message_id, []).append(attachment)
        return found

    def remove_attachments(self, room: str, first_id: int, last_id: int, joint: object = None) -> set[str]:
        """The contents they used; `joint` as for `attach` (`lanchat admin delete`)."""
        with self._joined(joint) as db:
            rows = db.execute(
                "DELETE FROM file_attachments WHERE room = %s AND message_id BETWEEN %s AND %s"
                " RETURNING sha256",
                (room, first_id, last_id),
            ).fetchall()
        return {str(row[0]) for row in rows}


def insert_moved_in(
    db: Connection, attachments: list[tuple[Any, ...]], uploads: list[tuple[Any, ...]]
) -> None:
    """A host's files' rows, moving into the cluster (`lanchat migrate`), on the caller's
    transaction: attachments as (ATTACHMENT_COLUMNS..., position), finished uploads as
    (UPLOAD_COLUMNS...)."""
    with db.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO file_attachments ({ATTACHMENT_COLUMNS}, position)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            attachments,
        )
        cursor.executemany(
            f"INSERT INTO file_uploads ({UPLOAD_COLUMNS})"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            uploads,
        )
