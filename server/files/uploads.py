"""Uploads in progress: bytes go to disk as they arrive, never whole into memory.

An upload's part file grows under `files/partial/`, hashed (SHA-256) as it is written. Once its
last byte is in and the hash is the one the client declared, the part file becomes content
(blobs.py); a mismatch removes it, so it never becomes attachable. Writing and hashing a batch of
bytes runs on worker threads, so a GB arriving never stalls the rooms. After a restart an upload's
hash is rebuilt by reading its part file once.

Uploads left untouched for the expiry go: when the store opens, when an upload is created, and
every sweep interval while the host runs (`sweep_forever`, started by the app's lifespan), so an
abandoned GB does not sit on the disk and count against the limits for days. The sweep unlinks
on a worker thread: a file of a GB just written takes 0.2 to 0.3 s to unlink on ext4 (its cached
pages are dropped in the call), which would stall every room.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from server.files.blobs import WRITE_BATCH_BYTES, Blobs, hash_batch, hash_file, unlink_all, write_batch
from server.files.contents import release_content
from server.files.index import FileRecords, StoredUpload
from server.files.quota import Quota, Unfinished
from server.files.refusals import UploadRefused
from server.files.thumbnails import THUMBNAILS
from server.protocol.codes import ErrorCode
from server.storage.history import StorageFailed

__all__ = [
    "UPLOAD_SWEEP_INTERVAL_SECONDS",
    "UPLOAD_TOUCH_INTERVAL_SECONDS",
    "UploadLocks",
    "UploadProgress",
    "UploadWriter",
    "Uploads",
]

# How often a running host looks for stale uploads (besides whenever an upload is created): an
# abandoned one stays at most the expiry plus this.
UPLOAD_SWEEP_INTERVAL_SECONDS = 3600.0
# A streaming upload's `touched` (its expiry) is written at most this often, and when its request
# ends: once per batch was a database write per 4 MiB; the expiry is a day.
UPLOAD_TOUCH_INTERVAL_SECONDS = 60.0

log = logging.getLogger("lanchat.files")


@dataclass
class UploadProgress:
    """An upload being written: its offset and running hash (rebuilt from the part file after a
    restart), and a lock so that two PATCHes of one upload never interleave. `takeover` is set
    when another request wants the lock: the holder, most likely a connection that went silent
    (a laptop that slept), stops waiting for bytes and lets go."""

    offset: int
    hasher: Any  # hashlib's sha256 object
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    takeover: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0  # requests waiting for the lock


class UploadLocks(Protocol):
    """The PATCH lock a cluster's nodes share (pg_locks.PostgresUploadLocks)."""

    def hold(
        self, upload_id: str, wait: float, takeover: asyncio.Event
    ) -> AbstractAsyncContextManager[None]: ...
    def content(self, sha256: str) -> AbstractAsyncContextManager[None]: ...


def _busy() -> UploadRefused:
    return UploadRefused(423, ErrorCode.UPLOAD_BUSY, "Another request is sending this upload's bytes.")


class Uploads:
    """Every upload's life: created within the quota, written under its lock, finished when the
    hash decides, removed when cancelled or stale.

    On a cluster's node (`shared_locks`), other nodes write the same part files: the lock is held
    on the database too, and once it is held the offset and hash this node remembers are checked
    against the part file (another node may have written since) and rebuilt when they differ."""

    def __init__(
        self,
        index: FileRecords,
        blobs: Blobs,
        quota: Quota,
        clock: Callable[[], float],
        shared_locks: UploadLocks | None = None,
    ) -> None:
        self.blobs = blobs
        self.quota = quota
        self.clock = clock
        self._index = index
        self._shared_locks = shared_locks
        self._progress: dict[str, UploadProgress] = {}

    def create(
        self, room: str, length: int, name: str, file_type: str, sha256: str, address: str | None
    ) -> StoredUpload:
        """A new upload of `length` bytes for `room`, or UploadRefused past a limit."""
        self.expire()
        with self._index.admitting():  # a cluster's nodes weigh and add one upload at a time
            self.quota.admit(room, length, address, self._unfinished)
            now = self.clock()
            upload = StoredUpload(
                secrets.token_urlsafe(24), room, length, name, file_type, sha256, address, now, now, False
            )
            self.blobs.part_path(upload.id).touch()
            self._index.add_upload(upload)
        return upload

    def _unfinished(self) -> list[Unfinished]:
        return [
            Unfinished(room, address, length, self._offset_on_disk(upload_id))
            for upload_id, room, length, address in self._index.unfinished()
        ]

    def _offset_on_disk(self, upload_id: str) -> int:
        progress = self._progress.get(upload_id)
        if progress is not None:
            return progress.offset
        try:
            return self.blobs.part_path(upload_id).stat().st_size
        except FileNotFoundError:
            return 0

    async def offset(self, upload: StoredUpload) -> int:
        if upload.complete:
            return upload.length
        return (await self._load_progress(upload)).offset

    async def _load_progress(self, upload: StoredUpload) -> UploadProgress:
        progress = self._progress.get(upload.id)
        if progress is None:
            # After a restart: the bytes on disk are the truth; hash them once.
            part = self.blobs.part_path(upload.id)
            offset, hasher = await asyncio.to_thread(hash_file, part, upload.length)
            progress = self._progress.setdefault(upload.id, UploadProgress(offset, hasher))
        return progress

    @contextlib.asynccontextmanager
    async def exclusive(self, upload: StoredUpload, wait: float) -> AsyncIterator[asyncio.Event]:
        """Hold the upload's lock (after asking its holder to let go, for at most `wait` seconds);
        yields the event that asks this holder to let go in turn. UploadRefused (423) when the
        holder did not let go in time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        progress = await self._load_progress(upload)
        progress.waiting += 1
        progress.takeover.set()  # whoever holds the lock (now, or by the time we wait) lets go
        try:
            await asyncio.wait_for(progress.lock.acquire(), wait)
        except TimeoutError:
            raise _busy() from None
        finally:
            progress.waiting -= 1
        if not progress.waiting:
            progress.takeover.clear()  # nobody else waits: this holder may go on
        try:
            async with contextlib.AsyncExitStack() as held:
                if self._shared_locks is not None:
                    wait_left = max(0.0, deadline - loop.time())
                    try:
                        await held.enter_async_context(
                            self._shared_locks.hold(upload.id, wait_left, progress.takeover)
                        )
                    except TimeoutError:
                        raise _busy() from None
                    await self._catch_up(upload, progress)
                yield progress.takeover
        finally:
            progress.lock.release()

    async def _catch_up(self, upload: StoredUpload, progress: UploadProgress) -> None:
        """Another node may have written (or finished, or cancelled) the upload since this node
        last held its lock: its row and part file say. Bytes below a part file's end never change
        (a failed write cuts the file back to where it was), so the same length is the same bytes."""
        row = self._index.upload(upload.id)
        if row is None or row.complete:
            self._progress.pop(upload.id, None)  # what this node remembers of it is over
        if row is None:
            raise UploadRefused(
                404,
                ErrorCode.UPLOAD_NOT_FOUND,
                "No such upload: it was finished, cancelled, expired or failed.",
            )
        if row.complete:
            raise UploadRefused(
                409, ErrorCode.OFFSET_MISMATCH, "The upload is complete already.", offset=row.length
            )
        part = self.blobs.part_path(upload.id)
        # Opened, not stat()ed: on NFS an open revalidates what the client cached of the file.
        size = await asyncio.to_thread(_part_length, part)
        if size != progress.offset:
            progress.offset, progress.hasher = await asyncio.to_thread(hash_file, part, upload.length)

    async def writer(self, upload: StoredUpload) -> UploadWriter:
        return UploadWriter(self, upload, await self._load_progress(upload))

    def touch(self, upload_id: str) -> None:
        self._index.touch(upload_id, self.clock())

    async def finish(self, upload: StoredUpload, progress: UploadProgress) -> StoredUpload:
        """Every byte is in: the hash decides. A match becomes content (and a preview when it is
        an image); a mismatch removes the upload, which is never attachable."""
        part = self.blobs.part_path(upload.id)
        if progress.hasher.hexdigest() != upload.sha256:
            self.remove(upload.id)
            raise UploadRefused(
                460,
                ErrorCode.CHECKSUM_MISMATCH,
                "The file that arrived is not the one whose SHA-256 was declared: it was removed;"
                " send it again.",
            )
        async with contextlib.AsyncExitStack() as held:
            if self._shared_locks is not None:  # no other node removes this content meanwhile
                await held.enter_async_context(self._shared_locks.content(upload.sha256))
            facts = await asyncio.get_running_loop().run_in_executor(
                THUMBNAILS, self.blobs.keep_content, part, upload.sha256
            )
            self._progress.pop(upload.id, None)
            self._index.mark_complete(upload.id, self.clock(), facts)
        finished = self._index.upload(upload.id)
        assert finished is not None
        return finished

    def remove(self, upload_id: str) -> None:
        unlink_all(self._forget(upload_id))

    def _forget(self, upload_id: str) -> list[Path]:
        """Drop the upload's row; its files (the part file, and the content when nothing else
        uses it, moved beside it) are returned to unlink (see Blobs.discard_content)."""
        finished_content = self._index.remove_upload(upload_id)
        self._progress.pop(upload_id, None)
        doomed = [self.blobs.part_path(upload_id)]
        if finished_content is not None:
            doomed += release_content(self._index, self.blobs, finished_content)
        return doomed

    # Expiry

    def _stale(self) -> list[str]:
        """Uploads untouched for longer than the expiry (finished but never attached too), but
        none being written right now."""
        stale = self._index.untouched_since(self.clock() - self.quota.limits.expiry_seconds)
        return [
            upload_id
            for upload_id in stale
            if (progress := self._progress.get(upload_id)) is None or not progress.lock.locked()
        ]

    def expire(self) -> None:
        """Remove the stale uploads, their files too, here and now."""
        for upload_id in self._stale():
            self.remove(upload_id)

    async def sweep(self) -> int:
        """Remove the stale uploads, their files on a worker thread; how many went."""
        stale = self._stale()
        doomed = [path for upload_id in stale for path in self._forget(upload_id)]
        self._forget_progress_of_others()
        if doomed:
            await asyncio.to_thread(unlink_all, doomed)
        return len(stale)

    def _forget_progress_of_others(self) -> None:
        """What this node remembers of uploads another node of a cluster finished or removed."""
        if self._shared_locks is None:
            return
        unfinished = {upload_id for upload_id, *_ in self._index.unfinished()}
        for upload_id in [upload_id for upload_id in self._progress if upload_id not in unfinished]:
            if not self._progress[upload_id].lock.locked():
                del self._progress[upload_id]

    async def sweep_forever(self, interval: float) -> None:
        """`sweep` every `interval` seconds until cancelled; a failed sweep is logged, the next
        one tries again."""
        while True:
            await asyncio.sleep(interval)
            try:
                removed = await self.sweep()
            except (OSError, sqlite3.Error, StorageFailed):
                log.exception("sweeping expired uploads failed")
                continue
            if removed:
                expiry = self.quota.limits.expiry_seconds
                log.info("removed %d upload(s) untouched for %g s", removed, expiry)


def _part_length(part: Path) -> int:
    try:
        with part.open("rb") as opened:
            return os.fstat(opened.fileno()).st_size
    except FileNotFoundError:
        return 0


class UploadWriter:
    """The bytes of one PATCH, gathered into batches. Each batch is written on one worker thread
    and hashed on another while the next one arrives (one batch in flight: the network, the disk
    and SHA-256 work at once, and at most two batches are held). `flush` must run when the request
    ends, however it ends, so the bytes that arrived count."""

    def __init__(self, uploads: Uploads, upload: StoredUpload, progress: UploadProgress) -> None:
        self._uploads = uploads
        self.upload = upload
        self._progress = progress
        self._chunks: list[bytes] = []
        self._gathered = 0
        self._in_flight: asyncio.Future[Any] | None = None
        self._in_flight_bytes = 0
        self._hash_before: Any = None  # the hash without the batch in flight, should its write fail
        self._touched = uploads.clock()
        # Where this request's bytes began: read at its first byte, under the upload's lock (on a
        # cluster's node the offset may move when the lock is taken, to what another node wrote).
        self._offset_at_start: int | None = None

    @property
    def offset(self) -> int:
        """Bytes on disk (or being written) plus those gathered."""
        return self._progress.offset + self._in_flight_bytes + self._gathered

    async def write(self, data: bytes) -> None:
        if self._offset_at_start is None:
            self._offset_at_start = self._progress.offset
        if len(data) > self.upload.length - self.offset:
            raise UploadRefused(
                400,
                ErrorCode.UPLOAD_TOO_LONG,
                f"The upload has {self.upload.length} bytes; this request sends more.",
            )
        self._chunks.append(data)
        self._gathered += len(data)
        if self._gathered >= WRITE_BATCH_BYTES:
            await self._settle()
            self._start_batch()

    async def flush(self) -> None:
        """Every byte gathered is on disk (or the error that stopped it is raised). Bytes that
        arrived renew the upload's expiry; a request that sent none (an empty PATCH) does not,
        or an upload could be kept forever without a byte."""
        await self._settle()
        if self._chunks:
            self._start_batch()
            await self._settle()
        if self._offset_at_start is not None and self._progress.offset > self._offset_at_start:
            self._uploads.touch(self.upload.id)

    def _start_batch(self) -> None:
        chunks, size = self._chunks, self._gathered
        self._chunks, self._gathered = [], 0
        progress = self._progress
        try:
            self._uploads.quota.refuse_if_disk_short(size)
        except UploadRefused:
            self._chunks, self._gathered = chunks, size  # not written: the offset stays
            raise
        part = self._uploads.blobs.part_path(self.upload.id)
        self._hash_before = progress.hasher.copy()
        self._in_flight = asyncio.gather(
            asyncio.to_thread(write_batch, part, progress.offset, chunks),
            asyncio.to_thread(hash_batch, progress.hasher, chunks),
        )
        self._in_flight_bytes = size

    async def _settle(self) -> None:
        """Wait for the batch in flight; its bytes count once they are written and hashed."""
        if self._in_flight is None:
            return
        in_flight, size = self._in_flight, self._in_flight_bytes
        self._in_flight, self._in_flight_bytes = None, 0
        try:
            await asyncio.shield(in_flight)  # a cancelled request still lets its write finish
        except OSError as exc:
            # The file was cut back to the offset we know, and the hash goes back with it (the
            # hash thread may still be at the old object: it is dropped, not reused).
            self._progress.hasher = self._hash_before
            self._chunks, self._gathered = [], 0  # the client resumes from that offset
            raise UploadRefused(
                507, ErrorCode.STORAGE_FULL, f"The host could not write the file: {exc.strerror}."
            ) from None
        self._progress.offset += size
        now = self._uploads.clock()
        if now - self._touched >= UPLOAD_TOUCH_INTERVAL_SECONDS:
            self._touched = now
            self._uploads.touch(self.upload.id)

    async def finish_if_complete(self) -> StoredUpload:
        await self.flush()
        if self._progress.offset == self.upload.length:
            return await self._uploads.finish(self.upload, self._progress)
        return self.upload
