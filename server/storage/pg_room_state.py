"""What the host decides about its rooms, kept in the PostgreSQL database a cluster's nodes share:
bans, private rooms' password hashes, the key that signs room tokens, each room's token
generation, the room tokens' grants a node revoked, and the host actions `lanchat admin` asks
every node to carry out.

One node's window, or `lanchat admin`, writes here; every node reads it back (see
server/cluster/shared_state.py). Every write moves one counter (`room_state_version`) in the same
transaction, so a node learns whether anything changed with one small query and reads the rest
only then; the same transaction NOTIFYs STATE_CHANNEL, so the nodes listening ask at once instead
of at their next poll. Host actions are rows in order (`host_actions.id`); a node carries out those
after the last one it saw, so one missed poll loses nothing. Revoked grants are read the same way
(`revoked_grants.id`; their write NOTIFYs too), and go once their tokens would have expired anyway.

Plain values only (dicts of str, float and int): the rooms package owns what they mean. Its own
connection, in autocommit mode, used from one thread at a time (the caller's lock or its poller's
thread), so a slow database never holds up the history store's.
"""

from __future__ import annotations

import json
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import psycopg

from server.storage.database_url import describe_database
from server.storage.pg_connection import SharedConnection
from server.storage.pg_schema import migrate_component

__all__ = [
    "COMPONENT",
    "HOST_ACTIONS_KEPT_SECONDS",
    "PASSWORD_FAILURES_KEPT_SECONDS",
    "STATE_CHANNEL",
    "HostAction",
    "PostgresRoomState",
    "RoomStateSnapshot",
    "insert_moved_in",
]

COMPONENT = "room_state"
# Told (LISTEN/NOTIFY, no payload) at the commit of every change here, a host action included:
# the nodes read the change then. Their poll stays, for what is said while one is not listening.
STATE_CHANNEL = "lanchat_state"
# The key that signs room tokens: made once by the first node, then every node's.
_TOKEN_KEY = "room_tokens"
_TOKEN_KEY_BYTES = 32
# Host actions are kept this long, then dropped: they are for the members of nodes running when
# they were asked (a node that starts carries out only those after it started).
HOST_ACTIONS_KEPT_SECONDS = 3600
# An address's wrong passwords are forgotten this long after its last one (unless it is paused):
# the table stays as small as the guessing of the last hour.
PASSWORD_FAILURES_KEPT_SECONDS = 3600

# Append a version; never edit one that has shipped.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE room_state_version (
        only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
        version  BIGINT  NOT NULL
    );
    INSERT INTO room_state_version (version) VALUES (0);
    CREATE TABLE shared_keys (
        name  TEXT  PRIMARY KEY,
        value BYTEA NOT NULL
    );
    CREATE TABLE bans (
        kind  TEXT             NOT NULL,  -- identity | address
        value TEXT             NOT NULL,
        name  TEXT             NOT NULL,  -- who it was when banned
        at    DOUBLE PRECISION NOT NULL,  -- seconds since the epoch
        PRIMARY KEY (kind, value)
    );
    CREATE TABLE private_rooms (
        room     TEXT  PRIMARY KEY,
        password JSONB NOT NULL  -- the salted scrypt hash, as PasswordHash.as_json
    );
    CREATE TABLE room_generations (
        room       TEXT    PRIMARY KEY,
        generation INTEGER NOT NULL  -- times the room's tokens were revoked (a new password, opened)
    );
    CREATE TABLE host_actions (
        id     BIGSERIAL   PRIMARY KEY,
        at     TIMESTAMPTZ NOT NULL DEFAULT now(),
        action JSONB       NOT NULL
    );
    """,
    """
    CREATE TABLE password_failures (
        address      TEXT        PRIMARY KEY,
        count        INTEGER     NOT NULL,
        locked_until TIMESTAMPTZ NOT NULL,
        at           TIMESTAMPTZ NOT NULL  -- the last wrong password
    );
    CREATE TABLE address_budgets (
        kind    TEXT             NOT NULL,  -- what is counted: new_rooms
        address TEXT             NOT NULL,
        tokens  DOUBLE PRECISION NOT NULL,
        at      TIMESTAMPTZ      NOT NULL,  -- when `tokens` was right
        PRIMARY KEY (kind, address)
    );
    """,
    """
    CREATE TABLE revoked_grants (
        id       BIGSERIAL        PRIMARY KEY,
        grant_id BYTEA            NOT NULL,  -- a room token's grant (server/rooms/room_tokens.py)
        expires  DOUBLE PRECISION NOT NULL   -- when its token stops anyway: seconds since the epoch
    );
    CREATE INDEX revoked_grants_expires ON revoked_grants (expires);
    """,
)


@dataclass(frozen=True)
class RoomStateSnapshot:
    version: int
    bans: list[dict[str, Any]]  # {kind, value, name, at}
    private_rooms: dict[str, dict[str, str]]  # room -> the password hash's JSON
    generations: dict[str, int]  # room -> its tokens' generation


@dataclass(frozen=True)
class HostAction:
    id: int
    action: dict[str, Any]  # {"kind": "remove" | "delete", ...}


class PostgresRoomState:
    """Thread-safe: a lock keeps one statement or transaction on the connection at a time."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._connection = SharedConnection(url)
        with self._connection.transaction(seconds=None) as db:
            migrate_component(db, COMPONENT, _MIGRATIONS, describe_database(url))

    # --- the connection ---

    def _transaction(self) -> AbstractContextManager[psycopg.Connection[tuple[Any, ...]]]:
        """One transaction (a savepoint inside one already open); StorageFailed on a database error."""
        return self._connection.transaction()

    def close(self) -> None:
        self._connection.close()

    @staticmethod
    def _changed(db: psycopg.Connection[tuple[Any, ...]]) -> None:
        db.execute("UPDATE room_state_version SET version = version + 1")
        db.execute(f'NOTIFY "{STATE_CHANNEL}"')

    # --- reading ---

    def version(self) -> int:
        with self._transaction() as db:
            row = db.execute("SELECT version FROM room_state_version").fetchone()
        return int(row[0]) if row else 0

    def snapshot(self) -> RoomStateSnapshot:
        with self._transaction() as db:
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            version_row = db.execute("SELECT version FROM room_state_version").fetchone()
            bans = db.execute("SELECT kind, value, name, at FROM bans ORDER BY at").fetchall()
            private = db.execute("SELECT room, password FROM private_rooms").fetchall()
            generations = db.execute("SELECT room, generation FROM room_generations").fetchall()
        return RoomStateSnapshot(
            version=int(version_row[0]) if version_row else 0,
            bans=[{"kind": k, "value": v, "name": n, "at": float(at)} for k, v, n, at in bans],
            private_rooms={str(room): dict(password) for room, password in private},
            generations={str(room): int(generation) for room, generation in generations},
        )

    def token_key(self) -> bytes:
        """The key every node signs room tokens with: made by the first to ask, then kept."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO shared_keys (name, value) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                (_TOKEN_KEY, secrets.token_bytes(_TOKEN_KEY_BYTES)),
            )
            row = db.execute("SELECT value FROM shared_keys WHERE name = %s", (_TOKEN_KEY,)).fetchone()
        assert row is not None
        return bytes(row[0])

    def last_action_id(self) -> int:
        with self._transaction() as db:
            row = db.execute("SELECT COALESCE(MAX(id), 0) FROM host_actions").fetchone()
        return int(row[0]) if row else 0

    def revoked_after(self, after_id: int) -> tuple[int, list[tuple[bytes, float]]]:
        """The grants revoked after row `after_id`, each with when its token would expire; and
        the last row read (`after_id` when none)."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, grant_id, expires FROM revoked_grants WHERE id > %s ORDER BY id", (after_id,)
            ).fetchall()
        last = int(rows[-1][0]) if rows else after_id
        return last, [(bytes(grant), float(expires)) for _, grant, expires in rows]

    def actions_after(self, after_id: int) -> list[HostAction]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, action FROM host_actions WHERE id > %s ORDER BY id", (after_id,)
            ).fetchall()
        return [HostAction(int(action_id), dict(action)) for action_id, action in rows]

    # --- limits the cluster's nodes count together (server/cluster/limits.py) ---
    # The database's clock for every time: the one clock all nodes read alike.

    def password_locked_for(self, address: str) -> float:
        with self._transaction() as db:
            row = db.execute(
                "SELECT EXTRACT(EPOCH FROM locked_until - clock_timestamp()) FROM password_failures"
                " WHERE address = %s",
                (address,),
            ).fetchone()
        return float(row[0]) if row else 0.0

    def password_failed(self, address: str, failures_before_lockout: int, lockout_seconds: float) -> int:
        """Count a wrong password from `address`; the tries left (0: its pause began)."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM password_failures WHERE at < clock_timestamp() - make_interval(secs => %s)"
                " AND locked_until < clock_timestamp()",
                (PASSWORD_FAILURES_KEPT_SECONDS,),
            )
            row = db.execute(
                "INSERT INTO password_failures (address, count, locked_until, at)"
                " VALUES (%s, 1, clock_timestamp(), clock_timestamp())"
                " ON CONFLICT (address) DO UPDATE SET count = password_failures.count + 1, at = excluded.at"
                " RETURNING count",
                (address,),
            ).fetchone()
            assert row is not None
            left = failures_before_lockout - int(row[0])
            if left <= 0:
                db.execute(
                    "UPDATE password_failures SET count = 0,"
                    " locked_until = clock_timestamp() + make_interval(secs => %s) WHERE address = %s",
                    (lockout_seconds, address),
                )
        return max(left, 0)

    def password_succeeded(self, address: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM password_failures WHERE address = %s", (address,))

    def take_budget(self, kind: str, address: str, burst: float, per_second: float) -> float:
        """Spend one of `address`'s tokens of `kind` (a bucket of `burst` refilled at `per_second`):
        0 when spent, else the seconds until one is there."""
        with self._transaction() as db:
            # A bucket left alone for a whole refill is as full as a new one: forget it.
            db.execute(
                "DELETE FROM address_budgets"
                " WHERE kind = %s AND at < clock_timestamp() - make_interval(secs => %s)",
                (kind, burst / per_second),
            )
            db.execute(
                "INSERT INTO address_budgets (kind, address, tokens, at)"
                " VALUES (%s, %s, %s, clock_timestamp()) ON CONFLICT (kind, address) DO NOTHING",
                (kind, address, burst),
            )
            row = db.execute(
                "SELECT LEAST(%s, tokens + EXTRACT(EPOCH FROM clock_timestamp() - at) * %s)"
                " FROM address_budgets WHERE kind = %s AND address = %s FOR UPDATE",
                (burst, per_second, kind, address),
            ).fetchone()
            assert row is not None
            tokens = float(row[0])
            if tokens < 1:
                return (1 - tokens) / per_second
            db.execute(
                "UPDATE address_budgets SET tokens = %s, at = clock_timestamp()"
                " WHERE kind = %s AND address = %s",
                (tokens - 1, kind, address),
            )
        return 0.0

    # --- writing ---

    def add_ban(self, ban: dict[str, Any], most: int) -> bool:
        """Keep `ban` (replacing one of the same kind and value); False when `most` are kept already."""
        with self._transaction() as db:
            db.execute("LOCK TABLE bans IN SHARE ROW EXCLUSIVE MODE")  # two nodes count the same rows
            exists = db.execute(
                "SELECT 1 FROM bans WHERE kind = %s AND value = %s", (ban["kind"], ban["value"])
            ).fetchone()
            count_row = db.execute("SELECT COUNT(*) FROM bans").fetchone()
            if exists is None and count_row is not None and int(count_row[0]) >= most:
                return False
            db.execute(
                "INSERT INTO bans (kind, value, name, at) VALUES (%(kind)s, %(value)s, %(name)s, %(at)s)"
                " ON CONFLICT (kind, value) DO UPDATE SET name = excluded.name, at = excluded.at",
                ban,
            )
            self._changed(db)
        return True

    def remove_ban(self, kind: str, value: str) -> bool:
        with self._transaction() as db:
            removed = db.execute("DELETE FROM bans WHERE kind = %s AND value = %s", (kind, value)).rowcount
            if removed:
                self._changed(db)
        return removed > 0

    def set_password(self, room: str, password: dict[str, str]) -> None:
        """Make `room` private or give it a new password; its tokens issued so far stop opening it."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO private_rooms (room, password) VALUES (%s, %s)"
                " ON CONFLICT (room) DO UPDATE SET password = excluded.password",
                (room, json.dumps(password)),
            )
            self._next_generation(db, room)
            self._changed(db)

    def make_open(self, room: str) -> bool:
        """`room` needs no password any more; False if it needed none here."""
        with self._transaction() as db:
            removed = db.execute("DELETE FROM private_rooms WHERE room = %s", (room,)).rowcount
            self._next_generation(db, room)
            self._changed(db)
        return removed > 0

    @staticmethod
    def _next_generation(db: psycopg.Connection[tuple[Any, ...]], room: str) -> None:
        db.execute(
            "INSERT INTO room_generations (room, generation) VALUES (%s, 1)"
            " ON CONFLICT (room) DO UPDATE SET generation = room_generations.generation + 1",
            (room,),
        )

    def revoke_grants(self, revoked: list[tuple[bytes, float]]) -> None:
        """Tell every node these grants are revoked (each with when its token would expire anyway);
        those whose tokens have expired go."""
        with self._transaction() as db:
            # Writers one at a time, so rows commit in the order of their ids: a node reading those
            # after the last it read cannot miss one committed late under a lower id.
            db.execute("LOCK TABLE revoked_grants IN SHARE ROW EXCLUSIVE MODE")
            db.execute("DELETE FROM revoked_grants WHERE expires <= EXTRACT(EPOCH FROM clock_timestamp())")
            with db.cursor() as cursor:
                cursor.executemany("INSERT INTO revoked_grants (grant_id, expires) VALUES (%s, %s)", revoked)
            db.execute(f'NOTIFY "{STATE_CHANNEL}"')  # the nodes read them now, not at their poll

    def add_action(self, action: dict[str, Any]) -> int:
        """Ask every node to carry out `action`; its id."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM host_actions WHERE at < now() - make_interval(secs => %s)",
                (HOST_ACTIONS_KEPT_SECONDS,),
            )
            row = db.execute(
                "INSERT INTO host_actions (action) VALUES (%s) RETURNING id", (json.dumps(action),)
            ).fetchone()
            db.execute(f'NOTIFY "{STATE_CHANNEL}"')
        assert row is not None
        return int(row[0])


def insert_moved_in(
    db: psycopg.Connection[tuple[Any, ...]],
    bans: list[dict[str, Any]],
    private_rooms: dict[str, dict[str, str]],
) -> tuple[int, int]:
    """A host's bans and private rooms, moving into the cluster (`lanchat migrate`), on the
    caller's transaction: (bans, private rooms) written. A ban the cluster has already stays as
    it is; a room the cluster already keeps a password for keeps that password."""
    banned = private = 0
    for ban in bans:
        banned += db.execute(
            "INSERT INTO bans (kind, value, name, at) VALUES (%(kind)s, %(value)s, %(name)s, %(at)s)"
            " ON CONFLICT (kind, value) DO NOTHING",
            ban,
        ).rowcount
    for room, password in private_rooms.items():
        private += db.execute(
            "INSERT INTO private_rooms (room, password) VALUES (%s, %s) ON CONFLICT (room) DO NOTHING",
            (room, json.dumps(password)),
        ).rowcount
    PostgresRoomState._changed(db)
    return banned, private
