"""`lanchat migrate`'s part for what the rooms package keeps in a host's data folder: its bans
(`bans.json`) and the rooms its window made private (`private-rooms.json`, password hashes only),
copied into the cluster's database in the migration's one transaction. Read with the rooms'
own readers, so the files are understood exactly as the host understood them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server.rooms.bans import BANS_FILE, BanList
from server.rooms.private import PrivateRooms
from server.storage.migration import Connection, Copied, MigrationRefused
from server.storage.pg_room_state import PostgresRoomState, insert_moved_in

__all__ = ["host_decisions", "prepare"]


def host_decisions(data_dir: Path, _history: sqlite3.Connection, target: Connection) -> list[Copied]:
    bans = [dict(ban) for ban in BanList(data_dir / BANS_FILE).all()]
    try:
        private = PrivateRooms(data_dir)
    except RuntimeError as exc:  # an unreadable file: copying the rest would open its rooms
        raise MigrationRefused(str(exc)) from None
    hashes = {
        room: saved.as_json() for room in sorted(private.rooms()) if (saved := private.saved_hash(room))
    }
    banned, made_private = insert_moved_in(target, bans, hashes)
    return [Copied("bans", banned), Copied("private rooms (their password hashes)", made_private)]


def prepare(database_url: str) -> None:
    """The rooms' state tables, made or migrated before the copy's transaction begins."""
    PostgresRoomState(database_url).close()
