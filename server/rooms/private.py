"""Private rooms: which rooms need a password, checking one, and who may try how often.

Only a salted scrypt hash of each password is kept (in memory, and for the rooms the window made
private in `private-rooms.json` beside the history, so a restart does not open them). A client that
enters gets a short-lived token for the HTTP history of that room. No I/O but that file; the room
socket's endpoint calls `enter` in a worker thread, since scrypt takes tens of milliseconds on purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from server.policy import PASSWORD_FAILURES_BEFORE_LOCKOUT, PASSWORD_LOCKOUT_SECONDS, ROOM_TOKEN_SECONDS
from server.protocol.codes import ErrorCode
from server.protocol.limits import MAX_ROOM_PASSWORD_CHARS, MIN_ROOM_PASSWORD_CHARS
from server.protocol.refusals import Refused
from server.rooms.direct import is_direct_room
from server.rooms.room_tokens import RoomTokens
from server.rooms.validation import validate_room
from server.storage.private_files import write_private

__all__ = [
    "PASSWORD_CHECKS",
    "SCRYPT_AT_ONCE",
    "SCRYPT_N",
    "SCRYPT_P",
    "SCRYPT_R",
    "LocalLockouts",
    "PasswordHash",
    "PasswordLockouts",
    "PrivateRooms",
    "check_room_the_host_controls",
    "hash_password",
    "validate_password",
]

log = logging.getLogger("lanchat.private")

# scrypt's cost: 2^14 blocks of 8 * 128 bytes (16 MiB of memory, about 50 ms here) per try,
# OWASP's minimum. A guesser holding the file pays that per guess; the socket's lockout does the rest.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_MAXMEM = 64 * 2**20
# scrypt runs at once, over all addresses, on their own threads (PASSWORD_CHECKS): each thread keeps
# the 16 MiB it used (glibc keeps a thread's arena), so guessers from many addresses on asyncio's
# default pool (cores + 4 threads) left the server 66 MiB larger for good (the fuzzer found it).
# One at a time keeps that to 16 MiB; a right password waits at most a few checks (~50 ms each).
SCRYPT_AT_ONCE = 1
PASSWORD_CHECKS = ThreadPoolExecutor(max_workers=SCRYPT_AT_ONCE, thread_name_prefix="lanchat-scrypt")
SALT_BYTES = 16
HASH_BYTES = 32
# Addresses whose failures are remembered; past it the longest-quiet one is forgotten, so a
# client spraying addresses cannot grow the table without bound.
MAX_TRACKED_ADDRESSES = 4096
# Password checks one address may have running at once: each is a slow scrypt, and without this
# an address's parallel connections would all be checked before its lockout could count them.
# Past it a try is refused as locked for PASSWORD_BUSY_RETRY_SECONDS.
MAX_CHECKS_IN_FLIGHT_PER_ADDRESS = 2
PASSWORD_BUSY_RETRY_SECONDS = 1.0
STORE_FILE = "private-rooms.json"


@dataclass(frozen=True)
class PasswordHash:
    salt: bytes
    digest: bytes

    def matches(self, password: str) -> bool:
        return hmac.compare_digest(_scrypt(password, self.salt), self.digest)

    def as_json(self) -> dict[str, str]:
        return {"salt": self.salt.hex(), "scrypt": self.digest.hex()}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> PasswordHash:
        return cls(bytes.fromhex(data["salt"]), bytes.fromhex(data["scrypt"]))


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=SCRYPT_MAXMEM,
        dklen=HASH_BYTES,
    )


def check_room_the_host_controls(room: str) -> str:
    """`room`, if the host may give it a password (ValueError: not a room name, or a direct
    conversation, which is open to its two people only)."""
    try:
        validate_room(room)
    except Refused as refusal:
        raise ValueError(refusal.detail) from None
    if is_direct_room(room):
        raise ValueError("a direct conversation is open to its two people only; it takes no password")
    return room


def validate_password(password: object) -> str:
    if not isinstance(password, str) or not password:
        raise Refused(ErrorCode.PASSWORD_REQUIRED, "This room is private: send its password first.")
    if len(password) > MAX_ROOM_PASSWORD_CHARS:
        raise Refused(
            ErrorCode.PASSWORD_WRONG, f"A room password has at most {MAX_ROOM_PASSWORD_CHARS} characters."
        )
    return password


def hash_password(password: str) -> PasswordHash:
    """A new salted hash of a password the host chose; ValueError for one too short or too long."""
    if (
        not isinstance(password, str)
        or not MIN_ROOM_PASSWORD_CHARS <= len(password) <= MAX_ROOM_PASSWORD_CHARS
    ):
        raise ValueError(
            f"a room password has {MIN_ROOM_PASSWORD_CHARS} to {MAX_ROOM_PASSWORD_CHARS} characters"
        )
    salt = secrets.token_bytes(SALT_BYTES)
    return PasswordHash(salt, _scrypt(password, salt))


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class PasswordLockouts(Protocol):
    """Wrong passwords counted per address: PASSWORD_FAILURES_BEFORE_LOCKOUT, then a pause of
    PASSWORD_LOCKOUT_SECONDS. This process's own (`LocalLockouts`), or a cluster's, kept in its
    database so that a guesser gains nothing by going from node to node."""

    def locked_for(self, address: str) -> float:
        """Seconds the address must still wait (0 or less: it may try)."""
        ...

    def failed(self, address: str) -> int:
        """Count a wrong password; the tries left before the pause (0: the pause began)."""
        ...

    def succeeded(self, address: str) -> None:
        """The right password: the count starts again."""
        ...


class LocalLockouts:
    """In memory, for one process. Called under PrivateRooms' lock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

    def locked_for(self, address: str) -> float:
        failures = self._failures.get(address)
        return failures.locked_until - self._clock() if failures is not None else 0.0

    def failed(self, address: str) -> int:
        failures = self._failures.pop(address, None) or _Failures()
        failures.count += 1
        self._failures[address] = failures
        while len(self._failures) > MAX_TRACKED_ADDRESSES:
            self._failures.popitem(last=False)
        left = PASSWORD_FAILURES_BEFORE_LOCKOUT - failures.count
        if left <= 0:
            failures.count = 0
            failures.locked_until = self._clock() + PASSWORD_LOCKOUT_SECONDS
        return max(left, 0)

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)


class PrivateRooms:
    """Thread-safe: `enter` runs in worker threads, the rest on the event loop or the window's thread."""

    def __init__(
        self,
        data_dir: Path | None = None,
        configured: Iterable[tuple[str, PasswordHash]] = (),
        clock: Callable[[], float] = time.monotonic,
        token_seconds: float = ROOM_TOKEN_SECONDS,
        token_key: bytes | None = None,
        lockouts: PasswordLockouts | None = None,
    ) -> None:
        """`token_key`: a cluster's shared key (server/cluster/shared_state.py), so a token one
        node gave opens the room's history on every node; its expiries then go by the wall clock,
        the one clock the nodes share."""
        self._lock = threading.Lock()
        self.token_seconds = token_seconds  # how long a history token is good for
        self._file = data_dir / STORE_FILE if data_dir is not None else None
        self._saved: dict[str, PasswordHash] = self._load()
        # Rooms `lanchat serve --private-room` names: never written to the file.
        self._configured = dict(configured)
        self.lockouts: PasswordLockouts = lockouts if lockouts is not None else LocalLockouts(clock)
        self._in_flight: dict[str, int] = {}  # address -> password checks running now
        # The tokens that open a room's HTTP side after its door: signed, never stored.
        self.tokens = (
            RoomTokens(token_seconds, clock)
            if token_key is None
            else RoomTokens(token_seconds, time.time, key=token_key)
        )

    # What the host decides --------------------------------------------------

    def rooms(self) -> set[str]:
        with self._lock:
            return self._configured.keys() | self._saved.keys()

    def is_private(self, room: str) -> bool:
        with self._lock:
            return room in self._configured or room in self._saved

    def set_password(self, room: str, password: str) -> None:
        """Make `room` private, or change its password (ValueError for a bad room or password)."""
        check_room_the_host_controls(room)
        hashed = hash_password(password)
        with self._lock:
            self._configured.pop(room, None)
            self._saved[room] = hashed
            self.tokens.revoke_room(room)
            self._save()

    def make_open(self, room: str) -> None:
        with self._lock:
            self._configured.pop(room, None)
            self._saved.pop(room, None)
            self.tokens.revoke_room(room)
            self._save()

    def saved_hash(self, room: str) -> PasswordHash | None:
        with self._lock:
            return self._saved.get(room)

    def adopt(self, saved: dict[str, PasswordHash], generations: dict[str, int]) -> set[str]:
        """Hold the cluster's private rooms and token generations, as its database keeps them
        (`lanchat admin` changed them); the rooms whose members must enter their password again:
        made private, or given another password. Rooms that opened need nothing of their members."""
        with self._lock:
            before = self._saved
            self._saved = dict(saved)
            self.tokens.adopt_generations(generations)
            return {
                room
                for room, hashed in saved.items()
                if room not in self._configured and before.get(room) != hashed
            }

    # What a client tries ----------------------------------------------------

    def enter(self, room: str, password: object, address: str | None) -> str:
        """Check a password for `room`; a token for its HTTP history, or Refused (wrong, locked out)."""
        key = address or ""
        with self._lock:
            self._refuse_if_locked(key)
            hashed = self._configured.get(room) or self._saved.get(room)
            if hashed is None:
                raise Refused(ErrorCode.PASSWORD_WRONG, "This room is not private any more; join it again.")
            password = validate_password(password)
            if self._in_flight.get(key, 0) >= MAX_CHECKS_IN_FLIGHT_PER_ADDRESS:
                raise Refused(
                    ErrorCode.PASSWORD_LOCKED,
                    "Your address is trying other passwords right now; try again in a moment.",
                    retry_after=PASSWORD_BUSY_RETRY_SECONDS,
                )
            self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            ok = hashed.matches(password)
        finally:
            with self._lock:
                left_running = self._in_flight[key] - 1
                if left_running:
                    self._in_flight[key] = left_running
                else:
                    del self._in_flight[key]
        with self._lock:
            self._refuse_if_locked(key)  # another try from this address may have locked it meanwhile
            if not ok:
                left = self.lockouts.failed(key)
                log.info("wrong password for %r from %s", room, address)
                raise Refused(
                    ErrorCode.PASSWORD_WRONG,
                    "Wrong password for this room."
                    + (f" {left} more tries before a pause." if left > 0 else " Too many tries: wait."),
                    tries_left=max(left, 0),
                )
            self.lockouts.succeeded(key)
        return self.tokens.issue(room)

    def enter_with_token(self, room: str, token: str) -> str:
        """The door of `room` for a token issued for it (the host's own window gets one instead of
        asking its person for the password; see desktop/room_admin.py): a fresh token, or Refused.
        Tokens are signed and unguessable, so a wrong one is not counted as a guess."""
        if not self.is_private(room):
            raise Refused(ErrorCode.PASSWORD_WRONG, "This room is not private any more; join it again.")
        if not self.tokens.opens(token, room):
            raise Refused(
                ErrorCode.PASSWORD_REQUIRED, "That pass for this room is no longer good: enter its password."
            )
        return self.tokens.issue(room)

    def issue_token(self, room: str) -> str:
        """A token for `room`'s HTTP side, for a client whose door it passed."""
        return self.tokens.issue(room)

    def token_valid(self, room: str, token: str | None) -> bool:
        return self.tokens.opens(token, room)

    def _refuse_if_locked(self, key: str) -> None:
        wait = self.lockouts.locked_for(key)
        if wait > 0:
            raise Refused(
                ErrorCode.PASSWORD_LOCKED,
                "Too many wrong passwords from your address; try again later.",
                retry_after=round(wait, 3),
            )

    # The file ---------------------------------------------------------------

    def _load(self) -> dict[str, PasswordHash]:
        if self._file is None or not self._file.is_file():
            return {}
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
            return {room: PasswordHash.from_json(entry) for room, entry in data["rooms"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # Refusing to start beats opening rooms the host made private.
            raise RuntimeError(f"cannot read the private rooms in {self._file}: {exc}") from exc

    def _save(self) -> None:
        if self._file is None:
            return
        text = json.dumps({"rooms": {room: h.as_json() for room, h in sorted(self._saved.items())}}, indent=1)
        write_private(self._file, text)
