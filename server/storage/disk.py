"""The disk the data folder is on: how much must stay free, and asking how much is.

The disk is shared with everything else on the machine, so lanchat keeps a floor of free space:
below it new messages are refused (storage_full) and new files too, rather than filling the disk
for every other program.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

__all__ = ["DISK_CHECK_SECONDS", "MIN_FREE_DISK_BYTES", "DiskNearlyFull", "FreeSpace"]

MIN_FREE_DISK_BYTES = 256 * 1024 * 1024
# Free space is asked of the system at most this often.
DISK_CHECK_SECONDS = 1.0


class DiskNearlyFull(OSError):
    """The disk has less than the minimum free space left: nothing was stored."""


class FreeSpace:
    """The free space of the disk holding `path`, asked at most once a DISK_CHECK_SECONDS."""

    def __init__(self, path: Path, min_free_bytes: int) -> None:
        self.path = path
        self.min_free_bytes = min_free_bytes
        self._checked_at = -DISK_CHECK_SECONDS
        self._free = 0

    def check(self, what: str) -> None:
        """DiskNearlyFull when the disk is under the floor; `what` names the store in the error."""
        now = time.monotonic()
        if now - self._checked_at >= DISK_CHECK_SECONDS:
            self._free = shutil.disk_usage(self.path).free
            self._checked_at = now
        if self._free < self.min_free_bytes:
            raise DiskNearlyFull(
                f"{self._free} bytes free on the {what}'s disk, under the {self.min_free_bytes} kept free"
            )
