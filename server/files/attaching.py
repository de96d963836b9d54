"""Finished uploads becoming a message's attachments, and attachments going with their message.

What a message frame shows of them (the attachment frames, a seed client's lines) is
attachments.py's.
"""

from __future__ import annotations

import secrets

from server.files.blobs import Blobs
from server.files.contents import drop_content_if_unused
from server.files.index import Attachment, FileRecords, StoredUpload
from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused

__all__ = ["attach", "attachable", "detach_between"]


def attachable(index: FileRecords, room: str, upload_ids: list[str]) -> list[StoredUpload]:
    """The finished, verified uploads for `room` named by `upload_ids`, or Refused."""
    uploads = []
    for upload_id in upload_ids:
        upload = index.upload(upload_id) if isinstance(upload_id, str) else None
        if upload is None or upload.room != room:
            raise Refused(ErrorCode.ATTACHMENT_INVALID, "No finished upload of this room has that id.")
        if not upload.complete:
            raise Refused(
                ErrorCode.ATTACHMENT_INVALID, f"The upload of {upload.name} is not finished and verified."
            )
        uploads.append(upload)
    return uploads


def attach(
    index: FileRecords, room: str, message_id: int, uploads: list[StoredUpload], joint: object = None
) -> list[Attachment]:
    """The uploads become the message's attachments (each a new unguessable id); the upload
    rows go, so one upload is attached once. `joint`: the transaction storing the message
    (history.AlongWithMessage)."""
    attachments = [
        Attachment(
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
        for upload in uploads
    ]
    index.attach(attachments, [upload.id for upload in uploads], joint)
    return attachments


def detach_between(index: FileRecords, blobs: Blobs, room: str, first_id: int, last_id: int) -> None:
    """The attachments of `room`'s messages `first_id`..`last_id` go (a message deleted, or history
    trimmed); a content nobody refers to any more too."""
    for sha256 in index.remove_attachments(room, first_id, last_id):
        drop_content_if_unused(index, blobs, sha256)
