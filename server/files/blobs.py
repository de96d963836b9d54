"""The files' bytes on disk: part files growing under `files/partial/`, contents by their SHA-256
under `files/sha256/ab/cdef...` (one copy per distinct content, whoever sent it), thumbnails beside.

Only ids we made and hex digests reach the file system. Everything here blocks (writes, hashes,
renames, unlinks): the callers run the slow parts on worker threads.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from server.files.thumbnails import ImageFacts, inspect_image

__all__ = ["SHA256_HEX", "WRITE_BATCH_BYTES", "Blobs", "hash_batch", "hash_file", "unlink_all", "write_batch"]

# Bytes gathered before they are written (on one worker thread) and hashed (on another): large
# enough that the hops cost nothing much, small enough that an upload holds little memory (a
# batch in flight and one gathering).
WRITE_BATCH_BYTES = 4 * 1024 * 1024

# A content's name: its SHA-256 in lowercase hex. On a cluster the names come from database rows
# (and `lanchat admin delete` removes what they name), so a path is made of nothing else:
# "ab/etc/passwd" would be content_dir / "ab" / "/etc/passwd", which is /etc/passwd.
SHA256_HEX = re.compile("[0-9a-f]{64}")

# os.pwritev takes at most this many buffers at once (Linux's IOV_MAX).
_IOV_MAX = 1024

log = logging.getLogger("lanchat.files")


class Blobs:
    """The folders under `root` and the names in them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.partial_dir = root / "partial"
        self.content_dir = root / "sha256"
        self.thumbnail_dir = root / "thumbnails"
        for folder in (self.partial_dir, self.content_dir, self.thumbnail_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def content_path(self, sha256: str) -> Path:
        """Raises ValueError for a name that is not a SHA-256 in hex (SHA256_HEX)."""
        return self.content_dir / _digest(sha256)[:2] / sha256[2:]

    def thumbnail_path(self, sha256: str) -> Path:
        """Raises ValueError as content_path."""
        return self.thumbnail_dir / _digest(sha256)[:2] / f"{sha256[2:]}.webp"

    def part_path(self, upload_id: str) -> Path:
        return self.partial_dir / upload_id

    def free_disk(self) -> int:
        return shutil.disk_usage(self.root).free

    def remove_litter(self, known: set[str], older_than: float | None = None) -> None:
        """Part files no unfinished upload names (a crash between the two) are litter. With
        `older_than` (a time), only those last written before it: in a folder a cluster's nodes
        share, a file just made may belong to an upload another node is adding right now."""
        for part in self.partial_dir.iterdir():
            if part.name in known:
                continue
            try:
                if older_than is not None and part.stat().st_mtime >= older_than:
                    continue
                part.unlink(missing_ok=True)
            except FileNotFoundError:  # another node removed it first
                continue

    def keep_content(self, part: Path, sha256: str) -> ImageFacts:
        """The verified part file becomes the content (or goes, when the same bytes are here
        already); a thumbnail is made when it is an image."""
        content = self.content_path(sha256)
        content.parent.mkdir(exist_ok=True)
        if content.exists():
            part.unlink()  # the same bytes are here already
        else:
            os.replace(part, content)
        thumbnail = self.thumbnail_path(sha256)
        thumbnail.parent.mkdir(exist_ok=True)
        return inspect_image(content, thumbnail)

    def discard_content(self, sha256: str) -> list[Path]:
        """The content's file and thumbnail, moved under partial/ with names no row knows, to
        unlink: unlinking them later races with nothing, and a crash before leaves litter the next
        open removes. Moved at once, so an upload of the same bytes finishing meanwhile stores its
        own copy instead of finding one about to go."""
        if not SHA256_HEX.fullmatch(sha256):
            log.warning("not removing %r: no content is named so", sha256)
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


def _digest(sha256: str) -> str:
    if not SHA256_HEX.fullmatch(sha256):
        raise ValueError(f"a content is named by its SHA-256 in hex, not {sha256!r}")
    return sha256


def write_batch(path: Path, offset: int, chunks: list[bytes]) -> None:
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


def hash_batch(hasher: Any, chunks: list[bytes]) -> None:
    for chunk in chunks:
        hasher.update(chunk)  # hashlib lets go of the GIL for large buffers: the write runs meanwhile


def hash_file(path: Path, limit: int) -> tuple[int, Any]:
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


def unlink_all(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:  # it is litter under partial/ now: the next open removes it
            log.warning("could not remove %s: %s", path, exc.strerror)
