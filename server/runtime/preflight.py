"""Before the server opens its stores: is the data folder usable? One sentence if not.

A power cut or a failing disk can leave a file that is no database any more; opening it inside the
app's start-up ended in a traceback and a bare exit. These checks are cheap (one read of each
file's header, one parse of the small JSON files) and say which file, what is wrong and what to
do. Refusing to start beats opening private rooms whose passwords could not be read.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from server.config import ServerConfig
from server.files.index import DB_FILE
from server.files.store import FILES_DIR
from server.rooms.private import STORE_FILE
from server.runtime.runner_errors import DataFolderProblem
from server.storage.sqlite_history import SqliteHistoryStore

__all__ = ["check_data_folder"]


def check_data_folder(config: ServerConfig) -> None:
    """DataFolderProblem, naming the file and the way out, when the server cannot start on it."""
    folder = config.data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataFolderProblem(
            f"cannot create the data folder {folder}: {exc.strerror or exc}", folder
        ) from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataFolderProblem(
            f"cannot write to the data folder {folder}: check its owner and permissions", folder
        )
    for database, what in (
        (folder / SqliteHistoryStore.FILENAME, "history"),
        ((config.files_dir or folder / FILES_DIR) / DB_FILE, "files index"),
    ):
        _check_database(database, what)
    _check_private_rooms(folder / STORE_FILE)


def _check_database(path: Path, what: str) -> None:
    if not path.exists():
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            db.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as exc:
        raise DataFolderProblem(
            f"the {what} file {path} is damaged ({exc}): move it aside to start with an empty {what},"
            " or put back a copy from a backup",
            path,
        ) from exc


def _check_private_rooms(path: Path) -> None:
    if not path.exists():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("rooms"), dict):
            raise ValueError("no room list in it")
    except (OSError, ValueError) as exc:
        raise DataFolderProblem(
            f"the private rooms file {path} cannot be read ({exc}); lanchat does not start rather"
            " than open rooms you made private: fix it, or remove it and set the passwords again",
            path,
        ) from exc
