"""FileStore: the one object the rooms and the HTTP handlers use for files people attach to
messages. It opens the parts and hands each call to the one that owns it:

- index.py: files.sqlite3, the rows (uploads, attachments); pg_index.py the same rows in a
  cluster's PostgreSQL database, and pg_locks.py an upload's PATCH lock across its nodes;
- blobs.py: the bytes on disk (part files, contents by SHA-256, thumbnails), written and hashed;
- quota.py: the limits (a file, a room, the host, the disk's free floor, an address's uploads);
- uploads.py: uploads in progress, their locks and writers, their expiry;
- attaching.py: finished uploads becoming attachments, and going with their message;
- metadata.py: what a client declares (name, type, SHA-256), checked before any byte.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from server.files.attaching import attach, attachable, detach_between
from server.files.blobs import SHA256_HEX, WRITE_BATCH_BYTES, Blobs
from server.files.contents import drop_content_if_unused
from server.files.index import DB_FILE, Attachment, FileIndex, FileRecords, StoredUpload
from server.files.metadata import MAX_FILE_NAME_CHARS, decode_sha256, validate_file_name, validate_file_type
from server.files.quota import (
    MAX_FILE_BYTES,
    MAX_HOST_FILE_BYTES,
    MAX_ROOM_FILE_BYTES,
    MAX_UPLOADS_PER_ADDRESS,
    UPLOAD_EXPIRY_SECONDS,
    FileLimits,
    Quota,
)
from server.files.refusals import UploadRefused
from server.files.uploads import (
    UPLOAD_SWEEP_INTERVAL_SECONDS,
    UPLOAD_TOUCH_INTERVAL_SECONDS,
    UploadLocks,
    Uploads,
    UploadWriter,
)

__all__ = [
    "DB_FILE",
    "FILES_DIR",
    "MAX_FILE_BYTES",
    "MAX_FILE_NAME_CHARS",
    "MAX_HOST_FILE_BYTES",
    "MAX_ROOM_FILE_BYTES",
    "MAX_UPLOADS_PER_ADDRESS",
    "SHARED_LITTER_AGE_SECONDS",
    "UPLOAD_EXPIRY_SECONDS",
    "UPLOAD_SWEEP_INTERVAL_SECONDS",
    "UPLOAD_TOUCH_INTERVAL_SECONDS",
    "WRITE_BATCH_BYTES",
    "Attachment",
    "FileLimits",
    "FileStore",
    "StoredUpload",
    "UploadRefused",
    "UploadWriter",
    "decode_sha256",
    "validate_file_name",
    "validate_file_type",
]

FILES_DIR = "files"


# A part file no upload row names is left this long before it counts as litter, in a folder a
# cluster's nodes share (another node may be adding its row right now).
SHARED_LITTER_AGE_SECONDS = 3600.0


class FileStore:
    """`files_dir`: where the bytes go (default: `files/` in the data folder); a folder every node
    of a cluster mounts. `database_url`: the rows go to that PostgreSQL database (pg_index.py),
    and an upload's PATCH lock too (pg_locks.py); without it, files.sqlite3 in `files_dir`."""

    def __init__(
        self,
        data_dir: Path,
        limits: FileLimits | None = None,
        clock: Callable[[], float] = time.time,
        *,
        files_dir: Path | None = None,
        database_url: str | None = None,
    ) -> None:
        self.limits = limits or FileLimits()
        self._blobs = Blobs(files_dir if files_dir is not None else data_dir / FILES_DIR)
        self.root = self._blobs.root
        self.partial_dir = self._blobs.partial_dir
        self.content_dir = self._blobs.content_dir
        self.thumbnail_dir = self._blobs.thumbnail_dir
        self._index: FileRecords
        locks: UploadLocks | None = None
        litter_before: float | None = None
        if database_url is None:
            self._index = FileIndex(self.root / DB_FILE)
        else:
            # Imported here, as the history's engine: a plain host never loads psycopg.
            from server.files.pg_index import PostgresFileIndex
            from server.files.pg_locks import PostgresUploadLocks

            self._index = PostgresFileIndex(database_url)
            locks = PostgresUploadLocks(database_url)
            litter_before = clock() - SHARED_LITTER_AGE_SECONDS
        quota = Quota(self.limits, self._index, self._blobs.free_disk)
        self._uploads = Uploads(self._index, self._blobs, quota, clock, locks)
        self.expire()
        self._blobs.remove_litter({upload_id for upload_id, *_ in self._index.unfinished()}, litter_before)

    def close(self) -> None:
        self._index.close()

    def content_path(self, sha256: str) -> Path:
        return self._blobs.content_path(sha256)

    def thumbnail_path(self, sha256: str) -> Path:
        return self._blobs.thumbnail_path(sha256)

    def free_disk(self) -> int:
        return self._blobs.free_disk()

    # Uploads

    def create_upload(
        self, room: str, length: int, name: str, file_type: str, sha256: str, address: str | None
    ) -> StoredUpload:
        """A new upload of `length` bytes for `room`, or UploadRefused past a limit."""
        return self._uploads.create(room, length, name, file_type, sha256, address)

    def upload(self, upload_id: str) -> StoredUpload | None:
        return self._index.upload(upload_id)

    def expires_at(self, upload: StoredUpload) -> float:
        return upload.touched + self.limits.expiry_seconds

    async def offset(self, upload: StoredUpload) -> int:
        return await self._uploads.offset(upload)

    def exclusive(self, upload: StoredUpload, wait: float) -> AbstractAsyncContextManager[asyncio.Event]:
        """Hold the upload's lock, asking its holder to let go (Uploads.exclusive)."""
        return self._uploads.exclusive(upload, wait)

    async def writer(self, upload: StoredUpload) -> UploadWriter:
        return await self._uploads.writer(upload)

    def terminate(self, upload_id: str) -> None:
        self._uploads.remove(upload_id)

    def expire(self) -> None:
        """Remove the stale uploads, their files too, here and now."""
        self._uploads.expire()

    async def sweep(self) -> int:
        """Remove the stale uploads, their files on a worker thread; how many went."""
        return await self._uploads.sweep()

    async def sweep_forever(self, interval: float) -> None:
        """`sweep` every `interval` seconds until cancelled (started by the app's lifespan)."""
        await self._uploads.sweep_forever(interval)

    # Attachments

    def attachable(self, room: str, upload_ids: list[str]) -> list[StoredUpload]:
        """The finished, verified uploads for `room` named by `upload_ids`, or Refused."""
        return attachable(self._index, room, upload_ids)

    def attach(
        self, room: str, message_id: int, uploads: list[StoredUpload], joint: object = None
    ) -> list[Attachment]:
        """The uploads become the message's attachments; one upload is attached once. `joint`:
        the history's transaction that stores the message, which they commit with (a cluster's:
        history.AlongWithMessage)."""
        return attach(self._index, room, message_id, uploads, joint)

    def attachment(self, attachment_id: str) -> Attachment | None:
        return self._index.attachment(attachment_id)

    def attachments_of(self, room: str, message_ids: list[int]) -> dict[int, list[Attachment]]:
        """The attachments of these messages of `room`, in each message's order."""
        return self._index.attachments_of(room, message_ids)

    def detach(self, room: str, message_id: int) -> None:
        """A deleted (or trimmed) message's attachments go; a content nobody refers to any more too."""
        self.detach_up_to(room, message_id, message_id)

    def detach_up_to(self, room: str, first_id: int, last_id: int) -> None:
        detach_between(self._index, self._blobs, room, first_id, last_id)

    def release_contents(self, contents: list[str]) -> None:
        """Contents whose attachments went elsewhere (`lanchat admin delete`, in the database):
        each goes from the disk if nothing uses it any more."""
        for sha256 in contents:
            if SHA256_HEX.fullmatch(sha256):  # a path under the folder, whoever wrote the action
                drop_content_if_unused(self._index, self._blobs, sha256)
