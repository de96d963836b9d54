"""How much the files may take, each limit refused with its own code (and HTTP status): one file,
one room, the host, the disk's free floor, and the uploads one client address leaves unfinished."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from server.files.index import FileRecords
from server.files.refusals import UploadRefused
from server.protocol.codes import ErrorCode
from server.protocol.limits import MAX_FILE_BYTES
from server.storage.disk import MIN_FREE_DISK_BYTES

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_HOST_FILE_BYTES",
    "MAX_ROOM_FILE_BYTES",
    "MAX_UNSENT_BYTES_PER_ADDRESS",
    "MAX_UPLOADS_PER_ADDRESS",
    "UPLOAD_EXPIRY_SECONDS",
    "FileLimits",
    "Quota",
]

MAX_ROOM_FILE_BYTES = 16 * 1024**3  # one room's files and uploads in progress together
MAX_HOST_FILE_BYTES = 64 * 1024**3  # every room's together
# Uploads not finished that one client address holds at once.
MAX_UPLOADS_PER_ADDRESS = 32
# Bytes one client address may announce (Upload-Length) and not send yet, over all its unfinished
# uploads: the room and host limits count what arrived, so without this an address could announce
# terabytes and then fill every limit at once. Two whole files in flight.
MAX_UNSENT_BYTES_PER_ADDRESS = 2 * MAX_FILE_BYTES
# An upload untouched this long (not finished, or finished and never attached) is removed.
UPLOAD_EXPIRY_SECONDS = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Unfinished:
    """An upload not finished, as the limits weigh it."""

    room: str
    address: str | None
    length: int  # announced
    received: int  # on disk now


@dataclass(frozen=True, slots=True)
class FileLimits:
    file_bytes: int = MAX_FILE_BYTES
    room_bytes: int = MAX_ROOM_FILE_BYTES
    host_bytes: int = MAX_HOST_FILE_BYTES
    min_free_disk_bytes: int = MIN_FREE_DISK_BYTES
    uploads_per_address: int = MAX_UPLOADS_PER_ADDRESS
    unsent_bytes_per_address: int = MAX_UNSENT_BYTES_PER_ADDRESS
    expiry_seconds: float = UPLOAD_EXPIRY_SECONDS


class Quota:
    """The limits checked against the rows (what is stored and reserved) and the disk."""

    def __init__(self, limits: FileLimits, index: FileRecords, free_disk: Callable[[], int]) -> None:
        self.limits = limits
        self._index = index
        self._free_disk = free_disk

    def admit(
        self, room: str, length: int, address: str | None, unfinished: Callable[[], list[Unfinished]]
    ) -> None:
        """A new upload of `length` bytes for `room` fits every limit, or UploadRefused.

        What an upload announced but did not send reserves nothing: the room and host limits and
        the disk count the bytes that arrived (each batch checks the disk again as it is written),
        so announcing a length alone cannot shut others out. What one address may announce and
        not send is capped instead. `unfinished`: the unfinished uploads (asked last: it looks at
        every part file)."""
        self._refuse_if_too_large(length)
        self._refuse_if_address_busy(address)
        pending = unfinished()
        self._refuse_if_address_unsent(address, length, pending)
        self._refuse_if_files_full(room, length, pending)
        self.refuse_if_disk_short(length)

    def refuse_if_disk_short(self, need: int) -> None:
        free = self._free_disk()
        floor = self.limits.min_free_disk_bytes
        if free - need < floor:
            raise UploadRefused(
                507,
                ErrorCode.STORAGE_FULL,
                f"The host's disk has {free} bytes free; this needs {need} more and {floor} are kept free.",
            )

    def _refuse_if_too_large(self, length: int) -> None:
        if length > self.limits.file_bytes:
            raise UploadRefused(
                413,
                ErrorCode.FILE_TOO_LARGE,
                f"The file has {length} bytes; at most {self.limits.file_bytes} are allowed.",
                max_bytes=self.limits.file_bytes,
            )

    def _refuse_if_address_busy(self, address: str | None) -> None:
        pending = self._index.unfinished_of(address)
        if pending >= self.limits.uploads_per_address:
            raise UploadRefused(
                429,
                ErrorCode.TOO_MANY_UPLOADS,
                f"Your address has {pending} unfinished uploads, the most one address may;"
                " finish or cancel one first.",
            )

    def _refuse_if_address_unsent(self, address: str | None, length: int, pending: list[Unfinished]) -> None:
        unsent = sum(upload.length - upload.received for upload in pending if upload.address == address)
        cap = self.limits.unsent_bytes_per_address
        if unsent + length > cap:
            raise UploadRefused(
                429,
                ErrorCode.TOO_MANY_UPLOADS,
                f"Your address has announced {unsent} bytes it has not sent yet; with this upload it would"
                f" pass {cap}. Finish or cancel an upload first.",
            )

    def _refuse_if_files_full(self, room: str, length: int, pending: list[Unfinished]) -> None:
        for scope, cap, code, whose in (
            (room, self.limits.room_bytes, ErrorCode.ROOM_FILES_FULL, "this room's"),
            (None, self.limits.host_bytes, ErrorCode.HOST_FILES_FULL, "the host's"),
        ):
            received = sum(upload.received for upload in pending if scope is None or upload.room == scope)
            used = self._index.bytes_stored(scope) + received
            if used + length > cap:
                raise UploadRefused(
                    507,
                    code,
                    f"Files take {used} bytes; with this one they would pass {whose} limit of {cap}.",
                )
