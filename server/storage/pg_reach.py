"""How long a PostgreSQL store call may take, and what a node does while its database is away.

The stores' calls are synchronous on the serving event loop (history.py says why), so a call
that waits holds every member of the node: pings, typing, every room. Two things bound that.

**Each call is cut at STORE_CALL_TIMEOUT_SECONDS.** A database that hangs (SIGSTOP, a machine
frozen while its kernel still answers TCP) or vanishes without a word (no RST, no reply) never
ends a synchronous psycopg call by itself: libpq has no read timeout; `tcp_user_timeout` and TCP
keepalives would notice a machine that stopped acknowledging, but see nothing wrong with one whose
kernel still acknowledges; `statement_timeout` needs a server that runs. Two ways out were
measured (tests/bench/store_call_bound.py; docs/benchmarks.md, "A store call's bound"):
- a worker thread that runs each call while the loop waits for it with a timeout: 30 to 60
  microseconds more per call on this machine's loopback, where a small indexed read takes 32 to
  39 (about twice the time), the hand-over and the GIL going back and forth;
- a watchdog: the calling thread writes down its deadline and its connection's socket, and one
  thread of the process looks every WATCH_SECONDS; past the deadline it shuts the socket down
  (`shutdown(2)` on a duplicate of the descriptor). libpq, waiting in poll(), then reads the end
  of the stream at once and the call fails as for a database that went away: the connection is
  broken, and the next call connects again. The call itself pays about 2 microseconds (an
  object, two set operations under an uncontended lock), less than the benchmark's noise.
The watchdog is what is used. It only ever shuts a socket down, never closes it: the descriptor
stays libpq's. It holds its lock while it shuts one down, so a call that just ended (its
connection closed, its descriptor number reused by something else) is never touched, and it
shuts down only the socket it saw when it first looked at the call (libpq closes its descriptor
itself when it finds a connection dead, and the number may be another's by the deadline).
Connecting is bounded by psycopg's own `connect_timeout` (whole seconds, at least 2), inside the
same deadline. `conn.cancel()` would not do: it opens a connection of its own to the same silent
server and waits for its answer.

**While the database is away, calls are refused at once.** A call that ran past its deadline, or
a connection that nothing answered in time, marks the database away for every store of this
process on the same URL (the history, the rooms' shared state, the files' records, the receipts).
Until it answers again, calls raise StorageFailed without touching the network: a vanished
database costs a node one timeout, then every post is refused with storage_failed at once (the
client's outbox sends it again) and the rest of the node goes on. A thread tries the database at
once and then every PROBE_SECONDS (a new connection and `SELECT 1`, bounded the same way) and
clears the mark when it answers, so the node recovers by itself; a call cut only because its
statement was slow clears it within a round trip. A database that refuses (down while its machine
is up, restarting) is not marked: meeting a refusal costs no wait, and the first call after its
restart connects, as before.

What a cut call did is not known: its statement may still commit (the database was only slow,
or reads the bytes once it is back). A post goes again under its client id, which the store
recognises, so it is stored once.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import psycopg

from server.storage.database_url import describe_database
from server.storage.history import StorageFailed

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "PROBE_SECONDS",
    "STORE_CALL_TIMEOUT_SECONDS",
    "WATCH_SECONDS",
    "DatabaseReach",
    "reach_of",
]

log = logging.getLogger("lanchat.storage")

Connection = psycopg.Connection[tuple[Any, ...]]

# The longest a store call holds the serving loop: connecting, waiting for a lock on a shared
# connection, and the statements together. A loopback call takes well under a millisecond and a
# busy one a few; two seconds is far past what a working database takes for any call a member's
# frame makes, and far inside the server's ping timeout (20 s: no member is dropped for it).
STORE_CALL_TIMEOUT_SECONDS = 2.0
# psycopg's connect timeout counts whole seconds, at least 2 (as libpq's).
CONNECT_TIMEOUT_SECONDS = max(2, math.ceil(STORE_CALL_TIMEOUT_SECONDS))
# How often the watchdog looks at the calls under way: a call is cut at most this much late.
WATCH_SECONDS = 0.05
# While the database is away, how often it is tried again.
PROBE_SECONDS = 0.5


class _Call:
    __slots__ = ("deadline", "fired", "inode", "socket")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        # The connection's descriptor, once connected, read by the calling thread: the watchdog
        # never touches the connection itself (libpq's, and busy in that thread).
        self.socket: int | None = None
        # The socket's identity (device and inode: an inode number alone may be a file's on
        # another file system), taken by the watchdog when it first sees the call: libpq closes
        # its descriptor itself when it finds the connection dead, and the number may be another
        # thread's file or socket by the deadline. Only the same socket is shut down.
        self.inode: tuple[int, int] | None = None
        self.fired = False


class _Watchdog:
    """One thread for the process, started with its first call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: set[_Call] = set()
        self._thread: threading.Thread | None = None

    def arm(self, call: _Call) -> None:
        with self._lock:
            self._calls.add(call)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="lanchat-store-watchdog", daemon=True
                )
                self._thread.start()

    def disarm(self, call: _Call) -> None:
        with self._lock:
            self._calls.discard(call)

    def _watch(self) -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            try:
                self._look(time.monotonic())
            except Exception:  # the one thread that bounds every call: it must outlive a bug
                log.exception("storage: the store calls' watchdog failed; it goes on")

    def _look(self, now: float) -> None:
        with self._lock:
            for call in self._calls:
                if call.fired or call.socket is None:
                    continue
                if call.inode is None:
                    call.inode = _inode(call.socket)
                if now >= call.deadline:
                    call.fired = True
                    if call.inode is not None and _inode(call.socket) == call.inode:
                        _shut_down(call.socket)


def _inode(descriptor: int) -> tuple[int, int] | None:
    try:
        facts = os.fstat(descriptor)
    except OSError:
        return None
    return facts.st_dev, facts.st_ino


def _shut_down(descriptor: int) -> None:
    """End the stream under libpq's feet, leaving the descriptor (and closing it) to libpq. Nothing
    but a socket is touched: anything else (never libpq's) is left as it is."""
    try:
        duplicate = os.dup(descriptor)
    except OSError:
        return
    try:
        sock = socket.socket(fileno=duplicate)
    except OSError:  # not a socket
        os.close(duplicate)
        return
    with sock, suppress(OSError):  # closes the duplicate only
        sock.shutdown(socket.SHUT_RDWR)


_watchdog = _Watchdog()


class DatabaseReach:
    """One database as this process reaches it: its calls' bound and whether it is away."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.away: str | None = None  # why, while the database is away
        self._lock = threading.Lock()
        self._prober: threading.Thread | None = None

    def connect(self) -> Connection:
        """A new connection in autocommit mode, or StorageFailed: the database away when nothing
        answered in time; a refusal (a database restarting, a machine up with no server on the
        port) costs nothing to meet again, so the next call tries again."""
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS)
        except psycopg.errors.ConnectionTimeout as exc:
            raise self._went_away(f"no answer to connect within {CONNECT_TIMEOUT_SECONDS} s") from exc
        except psycopg.Error as exc:
            raise StorageFailed(f"{describe_database(self.url)}: {exc}") from exc

    @contextmanager
    def call(
        self, connection: Callable[[], Connection], deadline: float | None = None
    ) -> Iterator[Connection]:
        """One store call on the connection `connection()` gives (connecting if need be), cut at
        `deadline` (monotonic; STORE_CALL_TIMEOUT_SECONDS from now by default). Any database error
        leaves as StorageFailed; a call past its deadline marks the database away. Refused at once
        while it is away."""
        if self.away is not None:
            raise StorageFailed(f"{describe_database(self.url)} is away ({self.away}); trying it again")
        call = _Call(time.monotonic() + STORE_CALL_TIMEOUT_SECONDS if deadline is None else deadline)
        db: Connection | None = None
        _watchdog.arm(call)
        try:
            db = connection()
            call.socket = db.fileno()
            yield db
        except (psycopg.Error, StorageFailed) as exc:
            if call.fired:
                raise self._went_away(f"no answer within {STORE_CALL_TIMEOUT_SECONDS:g} s") from exc
            if isinstance(exc, StorageFailed):
                raise
            raise StorageFailed(f"{describe_database(self.url)}: {exc}") from exc
        finally:
            _watchdog.disarm(call)
            if call.fired and db is not None:
                db.close()  # it answered just as it was cut: the socket is shut all the same

    def _went_away(self, why: str) -> StorageFailed:
        with self._lock:
            if self.away is None:
                self.away = why
                log.warning("storage: %s is away (%s); refusing store calls until it answers",
                            describe_database(self.url), why)  # fmt: skip
            if self._prober is None:
                self._prober = threading.Thread(target=self._probe, name="lanchat-store-probe", daemon=True)
                self._prober.start()
        return StorageFailed(f"{describe_database(self.url)}: {why}")

    def _probe(self) -> None:
        # At once first: a call cut because its statement was slow (a search of a huge history),
        # not because the database is gone, costs that call and no other.
        while not self._answers():
            time.sleep(PROBE_SECONDS)
        with self._lock:
            self.away = None
            self._prober = None
        log.warning("storage: %s answers again", describe_database(self.url))

    def _answers(self) -> bool:
        call = _Call(time.monotonic() + STORE_CALL_TIMEOUT_SECONDS)
        _watchdog.arm(call)
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as db:
                call.socket = db.fileno()
                db.execute("SELECT 1")
            return not call.fired
        except psycopg.Error:
            return False
        finally:
            _watchdog.disarm(call)


_reaches: dict[str, DatabaseReach] = {}
_reaches_lock = threading.Lock()


def reach_of(url: str) -> DatabaseReach:
    """The process's one DatabaseReach for `url`: every store on that database learns from the
    others' calls that it is away."""
    with _reaches_lock:
        reach = _reaches.get(url)
        if reach is None:
            reach = _reaches[url] = DatabaseReach(url)
        return reach
