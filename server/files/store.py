"""Files people attach to messages: uploads in progress, verified contents, attachments.

Bytes go to disk as they arrive, never whole into memory: an upload's part file grows under
`files/partial/`, hashed (SHA-256) as it is written. Once its last byte is in and the hash is the
one the client declared, the part file becomes content `files/sha256/ab/cdef...` (one copy per
distinct content, whoever sent it); a mismatch removes it, so it never becomes attachable. Names
and types are metadata in `files.sqlite3`: nothing a client sends is ever part of a path.

The rows live on the event loop's thread, as the history's do (server/storage/history.py); writing and
hashing a batch of bytes runs on a worker thread, so a GB arriving never stalls the rooms.
After a restart an upload's hash is rebuilt by reading its part file once.

Uploads left untouched for the expiry go: when the store opens, when an upload is created, and
every sweep interval while the host runs (`sweep_forever`, started by the app's lifespan), so an
abandoned GB does not sit on the disk and count against the limits for days. The sweep unlinks
on a worker thread: a file of a GB just written takes 0.2 to 0.3 s to unlink on ext4 (its cached
pages are dropped in the call), which would stall every room.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import logging
import os
import secrets
import shutil
import sqlite3
import time
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.files.thumbnails import ImageFacts, inspect_image
from server.protocol.codes import ErrorCode
from server.protocol.limits import MAX_FILE_BYTES
from server.protocol.refusals import Refused
from server.storage.history import MIN_FREE_DISK_BYTES

__all__ = [
    "FILES_DIR",
    "MAX_FILE_BYTES",
    "MAX_FILE_NAME_CHARS",
    "MAX_HOST_FILE_BYTES",
    "MAX_ROOM_FILE_BYTES",
    "MAX_UPLOADS_PER_ADDRESS",
    "UPLOAD_EXPIRY_SECONDS",
    "UPLOAD_SWEEP_INTERVAL_SECONDS",
    "UPLOAD_TOUCH_INTERVAL_SECONDS",
    "WRITE_BATCH_BYTES",
    "Attachment",
    "FileLimits",
    "FileStore",
    "StoredUpload",
    "UploadRefused",
]

# Limits, each refused with its own code (see UploadRefused's status for the HTTP side).
MAX_ROOM_FILE_BYTES = 16 * 1024**3  # one room's files and uploads in progress together
MAX_HOST_FILE_BYTES = 64 * 1024**3  # every room's together
# Uploads not finished that one client address holds at once (each reserves its length).
MAX_UPLOADS_PER_ADDRESS = 32
# An upload untouched this long (not finished, or finished and never attached) is removed.
UPLOAD_EXPIRY_SECONDS = 24 * 3600.0
# How often a running host looks for such uploads (besides whenever an upload is created): an
# abandoned one stays at most the expiry plus this.
UPLOAD_SWEEP_INTERVAL_SECONDS = 3600.0
# A file's name as shown: at most this many characters (most file systems' limit is 255 bytes).
MAX_FILE_NAME_CHARS = 255
MAX_FILE_TYPE_CHARS = 127
# Bytes gathered before they are written (on one worker thread) and hashed (on another): large
# enough that the hops cost nothing much, small enough that an upload holds little memory (a
# batch in flight and one gathering).
WRITE_BATCH_BYTES = 4 * 1024 * 1024
# A streaming upload's `touched` (its expiry) is written at most this often, and when its request
# ends: once per batch was a database write per 4 MiB; the expiry is a day.
UPLOAD_TOUCH_INTERVAL_SECONDS = 60.0

# os.pwritev takes at most this many buffers at once (Linux's IOV_MAX).
_IOV_MAX = 1024

FILES_DIR = "files"
DB_FILE = "files.sqlite3"

log = logging.getLogger("lanchat.files")

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


class UploadRefused(Refused):
    """A Refused with the HTTP status the upload endpoints answer it with."""

    def __init__(self, status: int, code: ErrorCode, detail: str, **extras: Any) -> None:
        super().__init__(code, detail, **extras)
        self.status = status


@dataclass(frozen=True, slots=True)
class FileLimits:
    file_bytes: int = MAX_FILE_BYTES
    room_bytes: int = MAX_ROOM_FILE_BYTES
    host_bytes: int = MAX_HOST_FILE_BYTES
    min_free_disk_bytes: int = MIN_FREE_DISK_BYTES
    uploads_per_address: int = MAX_UPLOADS_PER_ADDRESS
    expiry_seconds: float = UPLOAD_EXPIRY_SECONDS


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


_UPLOAD_COLUMNS = (
    "id, room, length, name, type, sha256, address, created, touched, complete, width, height,"
    " preview, thumbnail"
)


def _upload(row: tuple[Any, ...]) -> StoredUpload:
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


_ATTACHMENT_COLUMNS = "id, room, message_id, name, size, type, sha256, width, height, preview, thumbnail"


def _attachment(row: tuple[Any, ...]) -> Attachment:
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


@dataclass
class _Progress:
    """An upload being written: its offset and running hash (rebuilt from the part file after a
    restart), and a lock so that two PATCHes of one upload never interleave. `takeover` is set
    when another request wants the lock: the holder, most likely a connection that went silent
    (a laptop that slept), stops waiting for bytes and lets go."""

    offset: int
    hasher: Any  # hashlib's sha256 object
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    takeover: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0  # requests waiting for the lock


def validate_file_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise UploadRefused(400, ErrorCode.FILE_NAME_INVALID, "The file has no name.")
    if len(name) > MAX_FILE_NAME_CHARS:
        raise UploadRefused(
            400,
            ErrorCode.FILE_NAME_INVALID,
            f"The file name has {len(name)} characters; at most {MAX_FILE_NAME_CHARS} are allowed.",
        )
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in name):
        raise UploadRefused(
            400, ErrorCode.FILE_NAME_INVALID, "The file name has control characters (NUL, line breaks...)."
        )
    return name


def validate_file_type(value: str) -> str:
    """The declared media type, kept as metadata; anything not shaped `type/subtype` is octets."""
    value = value.strip().lower()
    kind, slash, sub = value.partition("/")
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789!#$&^_.+-")
    if not slash or not kind or not sub or len(value) > MAX_FILE_TYPE_CHARS or set(kind + sub) - allowed:
        return "application/octet-stream"
    return value


def decode_sha256(value: str | None) -> str:
    """The client's SHA-256 of the whole file, base64 (standard or url-safe), as hex."""
    if not value:
        raise UploadRefused(
            400, ErrorCode.CHECKSUM_MISSING, "The upload's metadata has no sha256 of the whole file."
        )
    try:
        digest = base64.b64decode(value.replace("-", "+").replace("_", "/") + "==", validate=False)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 32:
        raise UploadRefused(
            400, ErrorCode.CHECKSUM_MISSING, "The sha256 must be the base64 of 32 bytes (a SHA-256 digest)."
        )
    return digest.hex()


def _write_batch(path: Path, offset: int, chunks: list[bytes]) -> None:
    """Append `chunks` at `offset`; on failure the file is cut back to `offset`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        position = offset
        try:
            for start in range(0, len(chunks), _IOV_MAX):
                batch = chunks[start : start + _IOV_MAX]
                want = sum(map(len, batch))
                written = os.pwritev(fd, batch, position)
                if written != want:  # short write: finish the batch one chunk at a time
                    joined = b"".join(batch)[written:]
                    while joined:
                        step = os.pwrite(fd, joined, position + written)
                        written += step
                        joined = joined[step:]
                position += want
        except OSError:
            os.ftruncate(fd, offset)
            raise
        os.ftruncate(fd, position)  # drop anything a crash left past the offset we know
    finally:
        os.close(fd)


def _hash_batch(hasher: Any, chunks: list[bytes]) -> None:
    for chunk in chunks:
        hasher.update(chunk)  # hashlib lets go of the GIL for large buffers: the write runs meanwhile


def _hash_file(path: Path, limit: int) -> tuple[int, Any]:
    """The hash of a part file's first `limit` bytes (all of it when shorter), and its length."""
    hasher = hashlib.sha256()
    done = 0
    if path.exists():
        with path.open("rb") as part:
            while done < limit:
                chunk = part.read(min(WRITE_BATCH_BYTES, limit - done))
                if not chunk:
                    break
                hasher.update(chunk)
                done += len(chunk)
    return done, hasher


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:  # it is litter under partial/ now: the next open removes it
            log.warning("could not remove %s: %s", path, exc.strerror)


class FileStore:
    def __init__(
        self,
        data_dir: Path,
        limits: FileLimits | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = limits or FileLimits()
        self.root = data_dir / FILES_DIR
        self.partial_dir = self.root / "partial"
        self.content_dir = self.root / "sha256"
        self.thumbnail_dir = self.root / "thumbnails"
        for folder in (self.partial_dir, self.content_dir, self.thumbnail_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._db = sqlite3.connect(self.root / DB_FILE, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._progress: dict[str, _Progress] = {}
        self.expire()
        # Part files no upload row names (a crash between the two) are litter.
        known = {row[0] for row in self._db.execute("SELECT id FROM uploads WHERE complete = 0")}
        for part in self.partial_dir.iterdir():
            if part.name not in known:
                part.unlink(missing_ok=True)

    def close(self) -> None:
        self._db.close()

    # Paths: only ids we made and hex digests reach the file system.

    def content_path(self, sha256: str) -> Path:
        return self.content_dir / sha256[:2] / sha256[2:]

    def thumbnail_path(self, sha256: str) -> Path:
        return self.thumbnail_dir / sha256[:2] / f"{sha256[2:]}.webp"

    def _part_path(self, upload_id: str) -> Path:
        return self.partial_dir / upload_id

    # Uploads

    def _used(self, room: str | None) -> int:
        where, args = ("WHERE room = ?", (room,)) if room is not None else ("", ())
        uploads = self._db.execute(f"SELECT COALESCE(SUM(length), 0) FROM uploads {where}", args).fetchone()
        attached = self._db.execute(
            f"SELECT COALESCE(SUM(size), 0) FROM attachments {where}", args
        ).fetchone()
        return int(uploads[0]) + int(attached[0])

    def _reserved_on_disk(self) -> int:
        """Bytes the unfinished uploads will still write."""
        total = 0
        for upload_id, length in self._db.execute("SELECT id, length FROM uploads WHERE complete = 0"):
            total += length - self._offset_on_disk(upload_id)
        return total

    def _offset_on_disk(self, upload_id: str) -> int:
        progress = self._progress.get(upload_id)
        if progress is not None:
            return progress.offset
        try:
            return self._part_path(upload_id).stat().st_size
        except FileNotFoundError:
            return 0

    def free_disk(self) -> int:
        return shutil.disk_usage(self.root).free

    def _refuse_if_disk_short(self, need: int) -> None:
        free = self.free_disk()
        floor = self.limits.min_free_disk_bytes
        if free - need < floor:
            raise UploadRefused(
                507,
                ErrorCode.STORAGE_FULL,
                f"The host's disk has {free} bytes free; this needs {need} more and {floor} are kept free.",
            )

    def create_upload(
        self, room: str, length: int, name: str, file_type: str, sha256: str, address: str | None
    ) -> StoredUpload:
        """A new upload of `length` bytes for `room`, or UploadRefused past a limit."""
        self.expire()
        limits = self.limits
        if length > limits.file_bytes:
            raise UploadRefused(
                413,
                ErrorCode.FILE_TOO_LARGE,
                f"The file has {length} bytes; at most {limits.file_bytes} are allowed.",
                max_bytes=limits.file_bytes,
            )
        pending = self._db.execute(
            "SELECT COUNT(*) FROM uploads WHERE complete = 0 AND address IS ?", (address,)
        ).fetchone()[0]
        if pending >= limits.uploads_per_address:
            raise UploadRefused(
                429,
                ErrorCode.TOO_MANY_UPLOADS,
                f"Your address has {pending} unfinished uploads, the most one address may;"
                " finish or cancel one first.",
            )
        for scope, cap, code, whose in (
            (room, limits.room_bytes, ErrorCode.ROOM_FILES_FULL, "this room's"),
            (None, limits.host_bytes, ErrorCode.HOST_FILES_FULL, "the host's"),
        ):
            used = self._used(scope)
            if used + length > cap:
                raise UploadRefused(
                    507,
                    code,
                    f"Files take {used} bytes; with this one they would pass {whose} limit of {cap}.",
                )
        self._refuse_if_disk_short(self._reserved_on_disk() + length)
        now = self._clock()
        upload = StoredUpload(
            secrets.token_urlsafe(24), room, length, name, file_type, sha256, address, now, now, False
        )
        self._part_path(upload.id).touch()
        self._db.execute(
            "INSERT INTO uploads (id, room, length, name, type, sha256, address, created, touched)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (upload.id, room, length, name, file_type, sha256, address, now, now),
        )
        return upload

    def upload(self, upload_id: str) -> StoredUpload | None:
        row = self._db.execute(f"SELECT {_UPLOAD_COLUMNS} FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        return _upload(row) if row else None

    def expires_at(self, upload: StoredUpload) -> float:
        return upload.touched + self.limits.expiry_seconds

    async def offset(self, upload: StoredUpload) -> int:
        if upload.complete:
            return upload.length
        return (await self._load_progress(upload)).offset

    async def _load_progress(self, upload: StoredUpload) -> _Progress:
        progress = self._progress.get(upload.id)
        if progress is None:
            # After a restart: the bytes on disk are the truth; hash them once.
            offset, hasher = await asyncio.to_thread(_hash_file, self._part_path(upload.id), upload.length)
            progress = self._progress.setdefault(upload.id, _Progress(offset, hasher))
        return progress

    @contextlib.asynccontextmanager
    async def exclusive(self, upload: StoredUpload, wait: float) -> AsyncIterator[asyncio.Event]:
        """Hold the upload's lock (after asking its holder to let go, for at most `wait` seconds);
        yields the event that asks this holder to let go in turn. UploadRefused (423) when the
        holder did not let go in time."""
        progress = await self._load_progress(upload)
        progress.waiting += 1
        progress.takeover.set()  # whoever holds the lock (now, or by the time we wait) lets go
        try:
            await asyncio.wait_for(progress.lock.acquire(), wait)
        except TimeoutError:
            raise UploadRefused(
                423, ErrorCode.UPLOAD_BUSY, "Another request is sending this upload's bytes."
            ) from None
        finally:
            progress.waiting -= 1
        if not progress.waiting:
            progress.takeover.clear()  # nobody else waits: this holder may go on
        try:
            yield progress.takeover
        finally:
            progress.lock.release()

    async def writer(self, upload: StoredUpload) -> UploadWriter:
        return UploadWriter(self, upload, await self._load_progress(upload))

    def _touch(self, upload_id: str) -> None:
        self._db.execute("UPDATE uploads SET touched = ? WHERE id = ?", (self._clock(), upload_id))

    async def _finish(self, upload: StoredUpload, progress: _Progress) -> StoredUpload:
        """Every byte is in: the hash decides. A match becomes content (and a preview when it is
        an image); a mismatch removes the upload, which is never attachable."""
        part = self._part_path(upload.id)
        if progress.hasher.hexdigest() != upload.sha256:
            self._remove_upload(upload.id)
            raise UploadRefused(
                460,
                ErrorCode.CHECKSUM_MISMATCH,
                "The file that arrived is not the one whose SHA-256 was declared: it was removed;"
                " send it again.",
            )
        content = self.content_path(upload.sha256)
        facts = await asyncio.to_thread(self._store_content, part, content, upload.sha256)
        self._progress.pop(upload.id, None)
        self._db.execute(
            "UPDATE uploads SET complete = 1, touched = ?, width = ?, height = ?, preview = ?, thumbnail = ?"
            " WHERE id = ?",
            (self._clock(), facts.width, facts.height, facts.preview, int(facts.thumbnail), upload.id),
        )
        finished = self.upload(upload.id)
        assert finished is not None
        return finished

    def _store_content(self, part: Path, content: Path, sha256: str) -> ImageFacts:
        content.parent.mkdir(exist_ok=True)
        if content.exists():
            part.unlink()  # the same bytes are here already
        else:
            os.replace(part, content)
        thumbnail = self.thumbnail_path(sha256)
        thumbnail.parent.mkdir(exist_ok=True)
        return inspect_image(content, thumbnail)

    def terminate(self, upload_id: str) -> None:
        self._remove_upload(upload_id)

    def _remove_upload(self, upload_id: str) -> None:
        _unlink_all(self._forget_upload(upload_id))

    def _forget_upload(self, upload_id: str) -> list[Path]:
        """Drop the upload's row; its files (the part file, and the content when nothing else
        uses it, moved beside it) are returned to unlink, under partial/ with names no row knows:
        unlinking them later races with nothing, and a crash before leaves litter the next open
        removes. The content is moved away at once, so an upload of the same bytes finishing
        meanwhile stores its own copy instead of finding one about to go."""
        row = self._db.execute("SELECT complete, sha256 FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        self._db.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
        self._progress.pop(upload_id, None)
        doomed = [self._part_path(upload_id)]
        if row is not None and row[0]:
            doomed += self._unused_content(row[1])
        return doomed

    def _stale_uploads(self) -> list[str]:
        """Uploads untouched for longer than the expiry (finished but never attached too), but
        none being written right now."""
        cutoff = self._clock() - self.limits.expiry_seconds
        stale = [row[0] for row in self._db.execute("SELECT id FROM uploads WHERE touched < ?", (cutoff,))]
        return [
            upload_id
            for upload_id in stale
            if (progress := self._progress.get(upload_id)) is None or not progress.lock.locked()
        ]

    def expire(self) -> None:
        """Remove the stale uploads, their files too, here and now."""
        for upload_id in self._stale_uploads():
            self._remove_upload(upload_id)

    async def sweep(self) -> int:
        """Remove the stale uploads, their files on a worker thread; how many went."""
        stale = self._stale_uploads()
        doomed = [path for upload_id in stale for path in self._forget_upload(upload_id)]
        if doomed:
            await asyncio.to_thread(_unlink_all, doomed)
        return len(stale)

    async def sweep_forever(self, interval: float) -> None:
        """`sweep` every `interval` seconds until cancelled; a failed sweep is logged, the next
        one tries again."""
        while True:
            await asyncio.sleep(interval)
            try:
                removed = await self.sweep()
            except (OSError, sqlite3.Error):
                log.exception("sweeping expired uploads failed")
                continue
            if removed:
                log.info("removed %d upload(s) untouched for %g s", removed, self.limits.expiry_seconds)

    # Attachments

    def attachable(self, room: str, upload_ids: list[str]) -> list[StoredUpload]:
        """The finished, verified uploads for `room` named by `upload_ids`, or Refused."""
        uploads = []
        for upload_id in upload_ids:
            upload = self.upload(upload_id) if isinstance(upload_id, str) else None
            if upload is None or upload.room != room:
                raise Refused(ErrorCode.ATTACHMENT_INVALID, "No finished upload of this room has that id.")
            if not upload.complete:
                raise Refused(
                    ErrorCode.ATTACHMENT_INVALID, f"The upload of {upload.name} is not finished and verified."
                )
            uploads.append(upload)
        return uploads

    def attach(self, room: str, message_id: int, uploads: list[StoredUpload]) -> list[Attachment]:
        """The uploads become the message's attachments (each a new unguessable id); the upload
        rows go, so one upload is attached once."""
        attachments = []
        self._db.execute("BEGIN")
        try:
            for position, upload in enumerate(uploads):
                attachment = Attachment(
                    secrets.token_urlsafe(24),
                    room,
                    message_id,
                    upload.name,
                    upload.length,
                    upload.type,
                    upload.sha256,
                    upload.width,
                    upload.height,
                    upload.preview,
                    upload.thumbnail,
                )
                self._db.execute(
                    f"INSERT INTO attachments ({_ATTACHMENT_COLUMNS}, position)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        attachment.id,
                        room,
                        message_id,
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
                self._db.execute("DELETE FROM uploads WHERE id = ?", (upload.id,))
                attachments.append(attachment)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return attachments

    def attachment(self, attachment_id: str) -> Attachment | None:
        row = self._db.execute(
            f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments WHERE id = ?", (attachment_id,)
        ).fetchone()
        return _attachment(row) if row else None

    def attachments_of(self, room: str, message_ids: list[int]) -> dict[int, list[Attachment]]:
        """The attachments of these messages of `room`, in each message's order."""
        found: dict[int, list[Attachment]] = {}
        for start in range(0, len(message_ids), 500):
            chunk = message_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments WHERE room = ? AND message_id IN ({marks})"
                " ORDER BY message_id, position",
                (room, *chunk),
            )
            for row in rows:
                attachment = _attachment(row)
                found.setdefault(attachment.message_id, []).append(attachment)
        return found

    def detach(self, room: str, message_id: int) -> None:
        """A deleted (or trimmed) message's attachments go; a content nobody refers to any more too."""
        self.detach_up_to(room, message_id, message_id)

    def detach_up_to(self, room: str, first_id: int, last_id: int) -> None:
        contents = {
            row[0]
            for row in self._db.execute(
                "SELECT sha256 FROM attachments WHERE room = ? AND message_id BETWEEN ? AND ?",
                (room, first_id, last_id),
            )
        }
        if not contents:
            return
        self._db.execute(
            "DELETE FROM attachments WHERE room = ? AND message_id BETWEEN ? AND ?", (room, first_id, last_id)
        )
        for sha256 in contents:
            self._drop_content_if_unused(sha256)

    def _drop_content_if_unused(self, sha256: str) -> None:
        _unlink_all(self._unused_content(sha256))

    def _unused_content(self, sha256: str) -> list[Path]:
        """When nothing uses the content any more: its file and thumbnail, moved under partial/
        (see _forget_upload), to unlink."""
        used = self._db.execute("SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone()
        used = (
            used
            or self._db.execute(
                "SELECT 1 FROM uploads WHERE sha256 = ? AND complete = 1 LIMIT 1", (sha256,)
            ).fetchone()
        )
        if used:
            return []
        moved = []
        for path in (self.content_path(sha256), self.thumbnail_path(sha256)):
            trash = self.partial_dir / f"gone-{secrets.token_urlsafe(12)}"
            try:
                os.replace(path, trash)  # a rename on the same disk: no data moves
            except FileNotFoundError:
                continue
            except OSError as exc:  # Windows, while it is being downloaded: it stays, unused
                log.warning("could not remove %s: %s", path, exc.strerror)
                continue
            moved.append(trash)
        return moved


class UploadWriter:
    """The bytes of one PATCH, gathered into batches. Each batch is written on one worker thread
    and hashed on another while the next one arrives (one batch in flight: the network, the disk
    and SHA-256 work at once, and at most two batches are held). `flush` must run when the request
    ends, however it ends, so the bytes that arrived count."""

    def __init__(self, store: FileStore, upload: StoredUpload, progress: _Progress) -> None:
        self._store = store
        self.upload = upload
        self._progress = progress
        self._chunks: list[bytes] = []
        self._gathered = 0
        self._in_flight: asyncio.Future[Any] | None = None
        self._in_flight_bytes = 0
        self._hash_before: Any = None  # the hash without the batch in flight, should its write fail
        self._touched = store._clock()

    @property
    def offset(self) -> int:
        """Bytes on disk (or being written) plus those gathered."""
        return self._progress.offset + self._in_flight_bytes + self._gathered

    async def write(self, data: bytes) -> None:
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
        """Every byte gathered is on disk (or the error that stopped it is raised)."""
        await self._settle()
        if self._chunks:
            self._start_batch()
            await self._settle()
        self._store._touch(self.upload.id)

    def _start_batch(self) -> None:
        chunks, size = self._chunks, self._gathered
        self._chunks, self._gathered = [], 0
        store, progress = self._store, self._progress
        try:
            store._refuse_if_disk_short(size)
        except UploadRefused:
            self._chunks, self._gathered = chunks, size  # not written: the offset stays
            raise
        part = store._part_path(self.upload.id)
        self._hash_before = progress.hasher.copy()
        self._in_flight = asyncio.gather(
            asyncio.to_thread(_write_batch, part, progress.offset, chunks),
            asyncio.to_thread(_hash_batch, progress.hasher, chunks),
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
        now = self._store._clock()
        if now - self._touched >= UPLOAD_TOUCH_INTERVAL_SECONDS:
            self._touched = now
            self._store._touch(self.upload.id)

    async def finish_if_complete(self) -> StoredUpload:
        await self.flush()
        if self._progress.offset == self.upload.length:
            return await self._store._finish(self.upload, self._progress)
        return self.upload
