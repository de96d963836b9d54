"""Attachments in messages: what a message frame names (upload ids in, attachment frames out), and
the lines a seed client reads instead, since it knows nothing of `attachments`."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from server.files.index import Attachment
from server.protocol.frames import AttachmentFrame

__all__ = [
    "FILES_PATH",
    "THUMBNAIL_SEGMENT",
    "attachment_frame",
    "attachment_path",
    "human_size",
    "seed_text",
]

FILES_PATH = "/api/files/"
# GET /api/files/{id}/thumbnail is the preview; a file named exactly that links below file/.
THUMBNAIL_SEGMENT = "thumbnail"

_SIZE_UNITS = ("bytes", "KB", "MB", "GB", "TB")


def attachment_path(attachment: Attachment) -> str:
    """The download link: the name segment is for people and the browser's bar; the host finds
    the file by its id alone and names it in Content-Disposition."""
    if attachment.name == THUMBNAIL_SEGMENT:
        return f"{FILES_PATH}{attachment.id}/file/{THUMBNAIL_SEGMENT}"
    return f"{FILES_PATH}{attachment.id}/{quote(attachment.name, safe='')}"


def attachment_frame(attachment: Attachment) -> AttachmentFrame:
    frame: AttachmentFrame = {
        "id": attachment.id,
        "name": attachment.name,
        "size": attachment.size,
        "type": attachment.type,
        "sha256": attachment.sha256,
        "url": attachment_path(attachment),
    }
    if attachment.width is not None and attachment.height is not None:
        frame["width"] = attachment.width
        frame["height"] = attachment.height
    if attachment.thumbnail:
        frame["thumbnail"] = True
    return frame


def human_size(size: int) -> str:
    """1234567 -> "1.2 MB" (decimal units, as file managers show)."""
    value = float(size)
    for unit in _SIZE_UNITS:
        if value < 1000 or unit == _SIZE_UNITS[-1]:
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def seed_text(text: str, attachments: Sequence[Attachment]) -> str:
    """A seed client's text: the message's, then a line per file naming it, its size and its link
    (a path on the host it is connected to)."""
    lines = [f"[file] {a.name} ({human_size(a.size)}) {attachment_path(a)}" for a in attachments]
    return "\n".join([text, *lines] if text else lines)
