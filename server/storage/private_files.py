"""Files only the user may read, written so that a crash leaves the old copy or the new, never half.

The data folder holds the history of every room joined, the settings hold the rooms and the name:
other local users have no business reading them. Folders are 0700 and files 0600 (on Windows the
user's profile folder already keeps others out and the modes mean little). Each write goes to a
temporary file beside the target, is flushed to disk, and replaces the target in one rename.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "keep_this_process_private",
    "make_private_dir",
    "write_private",
]

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PRIVATE_UMASK = 0o077


def keep_this_process_private(data_dir: Path) -> None:
    """Everything this process creates from now on (history, settings, the browser's storage) is
    the user's only; the data folder too, and the files an older version left readable by all."""
    os.umask(PRIVATE_UMASK)
    make_private_dir(data_dir)
    for entry in data_dir.iterdir():
        with contextlib.suppress(OSError):
            if entry.is_file() and not entry.is_symlink() and entry.stat().st_mode & 0o077:
                entry.chmod(PRIVATE_FILE_MODE)


def make_private_dir(path: Path) -> Path:
    """Create the folder (and its parents) if missing, and make it the user's only."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    # mkdir's mode does not change a folder that already exists (an older version made it 0755).
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o777 != PRIVATE_DIR_MODE:
            path.chmod(PRIVATE_DIR_MODE)
    return path


def write_private(path: Path, text: str) -> None:
    """Replace the file's contents with `text` (UTF-8), atomically and durably, mode 0600."""
    make_private_dir(path.parent)
    partial = path.with_name(f".{path.name}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, PRIVATE_FILE_MODE)  # O_CREAT's mode does not apply to a leftover file
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(path: Path) -> None:
    # The rename itself is durable only once the folder's entry is on disk (POSIX; Windows has
    # no folder handles to sync).
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
