"""When the window's own server cannot start on its data folder: what the page shows, and the
way out that loses nothing (the damaged file moved aside, kept, and the server started again).

A power cut or a failing disk can leave `history.sqlite3` as random bytes: the page then said only
"Could not load the room list." The page asks here instead, and gets the file, the sentence and
the choices; moving a file aside keeps it under a name with the time, for a backup or a recovery
tool, and starts with an empty one.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TypedDict

from server.runtime.runner import ServerStartError, ServerThread

__all__ = ["ServerProblem", "describe", "move_aside"]

log = logging.getLogger("lanchat.desktop")

# How long the page's question waits for the server to answer one way or the other.
WAIT_SECONDS = 15.0


class ServerProblem(TypedDict):
    sentence: str  # the server's own sentence (English): the page shows its own words above it
    file: str | None  # the file to look at, whole path; None when it is not one file's fault
    name: str | None  # its name alone, for the page's heading
    movable: bool  # whether moving it aside and starting again may help


def describe(server: ServerThread, wait: float = WAIT_SECONDS) -> ServerProblem | None:
    """None once the server serves; else why it could not start."""
    try:
        server.wait_started(wait)
    except ServerStartError as exc:
        problem = server.problem
        path = problem.path if problem is not None else None
        # A database may start empty; the private rooms' file may not: an empty one would open
        # the rooms the host made private (that person fixes or removes it deliberately).
        movable = path is not None and path.is_file() and path.suffix == ".sqlite3"
        return {
            "sentence": str(exc),
            "file": str(path) if path is not None else None,
            "name": path.name if path is not None else None,
            "movable": movable,
        }
    return None


def move_aside(server: ServerThread) -> ServerProblem | None:
    """Keep the damaged file under a new name (beside it, with the time) and start again."""
    problem = server.problem
    if problem is None or not problem.path.is_file() or problem.path.suffix != ".sqlite3":
        return describe(server, wait=0)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for path in _with_journal(problem.path):
        if path.exists():
            aside = path.with_name(f"{path.name}.damaged-{stamp}")
            path.replace(aside)
            log.warning("moved the damaged %s aside as %s", path, aside.name)
    server.restart_after_problem()
    return describe(server)


def _with_journal(path: Path) -> list[Path]:
    # A database's write-ahead log and shared memory belong to it: moved with it, or SQLite would
    # replay the old log into the new, empty file.
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
