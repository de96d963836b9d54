"""A content is shared: one file per distinct SHA-256, whoever sent it, kept while an attachment or
a finished upload refers to it and gone with the last of them."""

from __future__ import annotations

from pathlib import Path

from server.files.blobs import Blobs, unlink_all
from server.files.index import FileRecords

__all__ = ["drop_content_if_unused", "release_content"]


def release_content(index: FileRecords, blobs: Blobs, sha256: str) -> list[Path]:
    """When nothing uses the content any more: its file and thumbnail, moved under partial/ (see
    Blobs.discard_content), to unlink."""
    with index.content_lock(sha256) as free:  # False: an upload of it is becoming complete
        if not free or index.content_used(sha256):
            return []
        return blobs.discard_content(sha256)


def drop_content_if_unused(index: FileRecords, blobs: Blobs, sha256: str) -> None:
    unlink_all(release_content(index, blobs, sha256))
