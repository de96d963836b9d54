"""files.sqlite3: the rows that say what the files on disk are (uploads and attachments).

Every SQLite statement of the files lives here; the rows live on the event loop's thread, as the
history's do (server/storage/history.py). The bytes are blobs.py's. A cluster's nodes keep the same
rows in their shared PostgreSQL database instead (pg_index.py); `FileRecords` is what both offer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from server.files.thumbnails import ImageFacts

__all__ = [
    "ATTACHMENT_COLUMNS",
    "DB_FILE",
    "UPLOAD_COLUMNS",
    "Attachment",
    "FileIndex",
    "FileRecords",
    "StoredUpload",
    "attachment_from_row",
    "upload_from_row",
]

DB_FILE = "files.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    id        TEXT PRIMARY KEY,
    room      TEXT NOT NULL,
    length    INTEGER NOT NULL,
    name      TEXT NOT NULL,
    type      TEXT NOT NULL,
    sha256    TEXT NOT NULL,      -- hex, as the client declared it
    address   TEXT,
    created   REAL NOT NULL,
    touched   REAL NOT NULL,
    complete  INTEGER NOT NULL DEFAULT 0,  -- 1 once every byte is in and the hash matched
    width     INTEGER,
    height    INTEGER,
    preview   TEXT,               -- image/png ... when it is a raster image shown inline
    thumbnail INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS attachments (
    id         TEXT PRIMARY KEY,
    room       TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    type       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    width      INTEGER,
    height     INTEGER,
    preview    TEXT,
    thumbnail  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS attachments_message ON attachments (room, message_id);
CREATE INDEX IF NOT EXISTS attachments_content ON attachments (sha256);
"""


@dataclass(frozen=True, slots=True)
class StoredUpload:
    id: str
    room: str
    length: int
    name: str
    type: str
    sha256: str
    address: str | None
    created: float
    touched: float
    complete: bool
    width: int | None = None
    height: int | None = None
    preview: str | None = None
    thumbnail: bool = False


UPLOAD_COLUMNS = (
    "id, room, length, name, type, sha256, address, created, touched, complete, width, height,"
    " preview, thumbnail"
)


def upload_from_row(row: tuple[Any, ...]) -> StoredUpload:
    upload_id, room, length, name, file_type, sha256, address, created, touched = row[:9]
    complete, width, height, preview, thumbnail = row[9:]
    return StoredUpload(
        upload_id,
        room,
        length,
        name,
        file_type,
        sha256,
        address,
        created,
        touched,
        bool(complete),
        width,
        height,
        preview,
        bool(thumbnail),
    )


@dataclass(frozen=True, slots=True)
class Attachment:
    id: str
    room: str
    message_id: int
    name: str
    size: int
    type: str
    sha256: str
    width: int | None
    height: int | None
    preview: str | None  # the image/* type it is served inline as, None for a download
    thumbnail: bool


ATTACHMENT_COLUMNS = "id, room, message_id, name, size, type, sha256, width, height, preview, thumbnail"


def attachment_from_row(row: tuple[Any, ...]) -> Attachment:
    attachment_id, room, message_id, name, size, file_type, sha256, width, height, preview, thumbnail = row
    return Attachment(
        attachment_id,
        room,
        message_id,
        name,
        size,
        file_type,
        sha256,
        width,
        height,
        preview,
        bool(thumbnail),
    )


class FileRecords(Protocol):
    """The files' rows, on either engine (FileIndex: SQLite; pg_index.PostgresFileIndex)."""

    def close(self) -> None: ...
    def admitting(self) -> AbstractContextManager[object]: ...
    def content_lock(self, sha256: str) -> AbstractContextManager[bool]: ...
    def upload(self, upload_id: str) -> StoredUpload | None: ...
    def add_upload(self, upload: StoredUpload) -> None: ...
    def touch(self, upload_id: str, now: float) -> None: ...
    def mark_complete(self, upload_id: str, now: float, facts: ImageFacts) -> None: ...
    def remove_upload(self, upload_id: str) -> str | None: ...
    def untouched_since(self, cutoff: float) -> list[str]: ...
    def unfinished(self) -> Iterator[tuple[str, str, int, str | None]]: ...
    def unfinished_of(self, address: str | None) -> int: ...
    def bytes_stored(self, room: str | None) -> int: ...
    def content_used(self, sha256: str) -> bool: ...
    def attach(self, attachments: list[Attachment], upload_ids: list[str], joint: object = None) -> None:
        """`joint`: the history's transaction storing the message (history.AlongWithMessage)."""

    def attachment(self, attachment_id: str) -> Attachment | None: ...
    def attachments_of(self, room: str, message_ids: list[int]) -> dict[int, list[Attachment]]: ...
    def remove_attachments(self, room: str, first_id: int, last_id: int) -> set[str]: ...


class FileIndex:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def admitting(self) -> AbstractContextManager[object]:
        """Held while an upload is weighed against the limits and added: nothing to hold here,
        where one event loop does both at once (PostgresFileIndex locks for a cluster's nodes)."""
        return nullcontext()

    def content_lock(self, sha256: str) -> AbstractContextManager[bool]:
        """Held while a content is found unused and removed; yields False when the content may
        not be removed now. Always True here: one host's uploads finish on the same thread
        (PostgresFileIndex locks for a cluster's nodes)."""
        return nullcontext(True)

    # Uploads

    def upload(self, upload_id: str) -> StoredUpload | None:
        row = self._db.execute(f"SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        return upload_from_row(row) if row else None

    def add_upload(self, upload: StoredUpload) -> None:
        self._db.execute(
            "INSERT INTO uploads (id, room, length, name, type, sha256, address, created, touched)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        self._db.execute("UPDATE uploads SET touched = ? WHERE id = ?", (now, upload_id))

    def mark_complete(self, upload_id: str, now: float, facts: ImageFacts) -> None:
        self._db.execute(
            "UPDATE uploads SET complete = 1, touched = ?, width = ?, height = ?, preview = ?, thumbnail = ?"
            " WHERE id = ?",
            (now, facts.width, facts.height, facts.preview, int(facts.thumbnail), upload_id),
        )

    def remove_upload(self, upload_id: str) -> str | None:
        """Drop the upload's row; the SHA-256 of its content when it was complete (the content
        may now be unused), else None."""
        row = self._db.execute("SELECT complete, sha256 FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        self._db.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
        return str(row[1]) if row is not None and row[0] else None

    def untouched_since(self, cutoff: float) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT id FROM uploads WHERE touched < ?", (cutoff,))]

    def unfinished(self) -> Iterator[tuple[str, str, int, str | None]]:
        """The id, room, length and client address of every upload not finished."""
        yield from self._db.execute("SELECT id, room, length, address FROM uploads WHERE complete = 0")

    def unfinished_of(self, address: str | None) -> int:
        """How many unfinished uploads one client address holds."""
        count = self._db.execute(
            "SELECT COUNT(*) FROM uploads WHERE complete = 0 AND address IS ?", (address,)
        ).fetchone()[0]
        return int(count)

    def bytes_stored(self, room: str | None) -> int:
        """The lengths of `room`'s finished uploads and attachments together (every room's for
        None). Unfinished uploads count by what they received, which only the part files know."""
        where, args = (
            ("WHERE complete = 1 AND room = ?", (room,)) if room is not None else ("WHERE complete = 1", ())
        )
        uploads = self._db.execute(f"SELECT COALESCE(SUM(length), 0) FROM uploads {where}", args).fetchone()
        where, args = ("WHERE room = ?", (room,)) if room is not None else ("", ())
        attached = self._db.execute(
            f"SELECT COALESCE(SUM(size), 0) FROM attachments {where}", args
        ).fetchone()
        return int(uploads[0]) + int(attached[0])

    def content_used(self, sha256: str) -> bool:
        """Whether an attachment or a finished upload still refers to this content."""
        used = self._db.execute("SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone()
        used = (
            used
            or self._db.execute(
                "SELECT 1 FROM uploads WHERE sha256 = ? AND complete = 1 LIMIT 1", (sha256,)
            ).fetchone()
        )
        return bool(used)

    # Attachments

    def attach(self, attachments: list[Attachment], upload_ids: list[str], joint: object = None) -> None:
        """In one transaction: the attachments, in their order, replace the uploads they were.
        Never part of the history's (`joint` is None): on one host nobody else reads the message
        before its files are stored."""
        assert joint is None, "files.sqlite3 takes part in no other database's transaction"
        self._db.execute("BEGIN")
        try:
            for position, (attachment, upload_id) in enumerate(zip(attachments, upload_ids, strict=True)):
                self._db.execute(
                    f"INSERT INTO attachments ({ATTACHMENT_COLUMNS}, position)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                        int(attachment.thumbnail),
                        position,
                    ),
                )
                self._db.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def attachment(self, attachment_id: str) -> Attachment | None:
        row = self._db.execute(
            f"SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = ?", (attachment_id,)
        ).fetchone()
        return attachment_from_row(row) if row else None

    def attachments_of(self, room: str, message_ids: list[int]) -> dict[int, list[Attachment]]:
        """The attachments of these messages of `room`, in each message's order."""
        found: dict[int, list[Attachment]] = {}
        for start in range(0, len(message_ids), 500):
            chunk = message_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE room = ? AND message_id IN ({marks})"
                " ORDER BY message_id, position",
                (room, *chunk),
            )
            for row in rows:
                attachment = attachment_from_row(row)
                found.setdefault(attachment.message_id, []).append(attachment)
        return found

    def remove_attachments(self, room: str, first_id: int, last_id: int) -> set[str]:
        """Drop the attachments of `room`'s messages `first_id`..`last_id`; the contents they used."""
        contents = {
            row[0]
            for row in self._db.execute(
                "SELECT sha256 FROM attachments WHERE room = ? AND message_id BETWEEN ? AND ?",
                (room, first_id, last_id),
            )
        }
        if contents:
            self._db.execute(
                "DELETE FROM attachments WHERE room = ? AND message_id BETWEEN ? AND ?",
                (room, first_id, last_id),
            )
        return contents
