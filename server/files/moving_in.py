"""`lanchat migrate`'s part for a host's files: the records (attachments, and uploads finished but
not yet sent) into the cluster's database, and the bytes (contents and thumbnails, by SHA-256) into
the folder the nodes share (`--files-dir`), in the migration's one transaction.

Both, not the records alone: a record whose bytes are on the old host's disk is a broken link on
every node. The bytes are copied first, each to a temporary name in the shared folder and renamed
into place, so a node never reads half a file; a content already there is the same bytes (its name
is its hash) and is not copied again. Should the transaction fail after that, the copies stay as
contents no record names: harmless, and the next migration finds them there.

Uploads not finished are not copied: their clients resume against the old host, or send again.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
from pathlib import Path

from server.files.blobs import Blobs
from server.files.index import ATTACHMENT_COLUMNS, DB_FILE, UPLOAD_COLUMNS
from server.files.pg_index import PostgresFileIndex, insert_moved_in
from server.storage.migration import Connection, Copied, MigrationRefused, Step

__all__ = ["FILES_FOLDER", "files_step", "prepare"]

# Where a host keeps its files in its data folder (server/files/store.py FILES_DIR).
FILES_FOLDER = "files"


def prepare(database_url: str) -> None:
    """The files' tables, made or migrated before the copy's transaction begins."""
    PostgresFileIndex(database_url).close()


def files_step(files_dir: Path | None) -> Step:
    """The step that copies the host's files into `files_dir` (the nodes' shared folder); None
    refuses a host that has files, and copies nothing for one that has none."""

    def step(data_dir: Path, _history: sqlite3.Connection, target: Connection) -> list[Copied]:
        index = data_dir / FILES_FOLDER / DB_FILE
        if not index.is_file():
            return [Copied("files", 0)]
        source = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
        try:
            return _copy(data_dir / FILES_FOLDER, source, target, files_dir)
        finally:
            source.close()

    return step


def _copy(
    source_dir: Path, source: sqlite3.Connection, target: Connection, files_dir: Path | None
) -> list[Copied]:
    attachments = source.execute(f"SELECT {ATTACHMENT_COLUMNS}, position FROM attachments").fetchall()
    uploads = source.execute(f"SELECT {UPLOAD_COLUMNS} FROM uploads WHERE complete = 1").fetchall()
    if not attachments and not uploads:
        return [Copied("files", 0)]
    if files_dir is None:
        raise MigrationRefused(
            f"the host keeps {len(attachments) + len(uploads)} files: give --files-dir, the folder"
            " every node of the cluster mounts, to copy them there"
        )
    contents = {str(row[6]) for row in attachments} | {str(row[5]) for row in uploads}
    blobs_from, blobs_to = Blobs(source_dir), Blobs(files_dir)
    copied = sum(
        _copy_file(blobs_from.content_path(sha256), blobs_to.content_path(sha256), blobs_to)
        for sha256 in sorted(contents)
    )
    for sha256 in sorted(contents):
        _copy_file(blobs_from.thumbnail_path(sha256), blobs_to.thumbnail_path(sha256), blobs_to)
    # SQLite keeps booleans as 0/1: PostgreSQL's columns want them as booleans.
    insert_moved_in(
        target,
        [(*row[:10], bool(row[10]), row[11]) for row in attachments],
        [(*row[:9], bool(row[9]), *row[10:13], bool(row[13])) for row in uploads],
    )
    return [
        Copied("attachments", len(attachments)),
        Copied("uploads finished but not sent", len(uploads)),
        Copied(f"files' contents copied into {files_dir}", copied),
    ]


def _copy_file(source: Path, target: Path, blobs: Blobs) -> int:
    """1 if `source` was copied to `target`; 0 when there is no such source or the target is there."""
    if not source.is_file() or target.exists():
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = blobs.partial_dir / f"moving-{secrets.token_urlsafe(12)}"
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)
    return 1
