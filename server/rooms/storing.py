"""Storing what a member sent: a disk or database failure becomes a refusal the sender can read."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused
from server.storage.disk import DiskNearlyFull
from server.storage.history import StorageFailed

__all__ = ["database_away", "refusing_storage_errors"]

log = logging.getLogger("lanchat.chat")


@contextmanager
def refusing_storage_errors(what: str, room: str, pin: dict[str, object]) -> Iterator[None]:
    """Run a write of `what` ("message", "change") to `room`; a nearly full disk or a failed write
    is refused with storage_full or storage_failed, pinned (`pin`) to the frame that asked."""
    try:
        yield
    except DiskNearlyFull as exc:
        log.error("not storing a %s in %r: %s", what, room, exc)
        raise Refused(
            ErrorCode.STORAGE_FULL,
            f"The server's disk is nearly full, so it did not store the {what}."
            " Its host must free some space.",
            **pin,
        ) from exc
    except (sqlite3.Error, StorageFailed) as exc:
        log.error("could not store a %s in %r: %s", what, room, exc)
        raise Refused(
            ErrorCode.STORAGE_FAILED,
            f"The server could not store the {what}, so it was not sent. Try again."
            if what == "message"
            else f"The server could not store the {what}. Try again.",
            **pin,
        ) from exc


def database_away() -> Refused:
    """A cluster node's door could not reach its database (its lockouts, its room counts), so it
    lets nobody in uncounted; the client retries."""
    return Refused(
        ErrorCode.STORAGE_FAILED, "The server cannot reach its database just now; try again in a moment."
    )
