"""One lanchat window per data folder: a second launch asks the first to come forward, then exits.

The first instance holds an exclusive lock on `instance.lock` (the OS releases it even if the
process dies) and listens where `instance.json` (0600) says, with a random token so that only
someone who can read our data folder can ask. Where the OS has unix sockets the channel is one,
in a fresh 0700 folder of its own, so no other local user can even connect; on Windows it is a
loopback TCP port. Each request is read on its own thread with a short timeout: a client that
connects and says nothing cannot keep a second launch from being answered.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from server.storage.private_files import make_private_dir, write_private

__all__ = ["InstanceLock", "ShowRequests", "ask_running_instance_to_show"]

log = logging.getLogger("lanchat.desktop")

LOCK_FILE = "instance.lock"
INFO_FILE = "instance.json"
SHOW_COMMAND = b"show"
# The first instance may hold the lock but not yet have written its port.
HANDOVER_WAIT_SECONDS = 10.0
# How long one request may take to arrive; a silent client is dropped after this.
REQUEST_TIMEOUT_SECONDS = 1.0
MAX_REQUEST_BYTES = 256
USE_UNIX_SOCKET = hasattr(socket, "AF_UNIX") and sys.platform != "win32"
SOCKET_NAME = "instance.sock"


class InstanceLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._file: BinaryIO | None = None

    def acquire(self) -> bool:
        """True if this process is now the only instance for the data folder."""
        make_private_dir(self.path.parent)
        # Held open for the life of the process: the lock lasts as long as the handle.
        handle = open(self.path, "a+b")  # noqa: SIM115
        try:
            _lock(handle)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock
            self._file = None


if sys.platform == "win32":
    import msvcrt

    def _lock(handle: BinaryIO) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(handle: BinaryIO) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


class ShowRequests:
    """A listener that calls `on_show` when a second launch asks; runs on a daemon thread."""

    def __init__(self, data_dir: Path, on_show: Callable[[], None]) -> None:
        self._info_path = data_dir / INFO_FILE
        self._on_show = on_show
        self._token = secrets.token_hex(16)
        self._folder: Path | None = None
        if USE_UNIX_SOCKET:
            # mkdtemp makes the folder 0700; under the system's temp folder its path stays well
            # within a unix socket's 108 bytes, which a deep data folder might not.
            self._folder = Path(tempfile.mkdtemp(prefix="lanchat-"))
            self._address: Any = str(self._folder / SOCKET_NAME)
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._sock.bind(self._address)
            self._sock.listen()
        else:
            self._sock = socket.create_server(("127.0.0.1", 0))
            self._address = self._sock.getsockname()[1]
        self._sock.settimeout(0.5)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="lanchat-instance", daemon=True)

    def start(self) -> None:
        where = {"socket": self._address} if USE_UNIX_SOCKET else {"port": self._address}
        # Owner-only: the token is what keeps other local users from poking the window.
        write_private(self._info_path, json.dumps({"pid": os.getpid(), **where, "token": self._token}))
        self._thread.start()

    def close(self) -> None:
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join(2)
        self._sock.close()
        self._info_path.unlink(missing_ok=True)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), name="lanchat-show", daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(REQUEST_TIMEOUT_SECONDS)
            try:
                request = _read_line(conn)
            except OSError:
                log.warning("dropped a silent or broken request on the instance channel")
                return
            expected = SHOW_COMMAND + b" " + self._token.encode()
            if not hmac.compare_digest(request, expected):
                log.warning("ignored a malformed request on the instance channel")
                return
            log.info("a second launch asked for the window: bringing it forward")
            try:
                self._on_show()
                conn.sendall(b"ok\n")
            except Exception:
                log.exception("could not bring the window forward")


def _read_line(conn: socket.socket) -> bytes:
    """One request line, at most MAX_REQUEST_BYTES, within the socket's timeout."""
    received = b""
    deadline = time.monotonic() + REQUEST_TIMEOUT_SECONDS
    while b"\n" not in received and len(received) < MAX_REQUEST_BYTES:
        if time.monotonic() > deadline:
            raise TimeoutError("the request did not arrive in time")
        chunk = conn.recv(MAX_REQUEST_BYTES - len(received))
        if not chunk:
            break
        received += chunk
    return received.split(b"\n", 1)[0].strip()


def ask_running_instance_to_show(data_dir: Path, wait: float = HANDOVER_WAIT_SECONDS) -> bool:
    """Ask the instance holding the lock to show its window; True if it answered."""
    info_path = data_dir / INFO_FILE
    deadline = time.monotonic() + wait
    while True:
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            with _connect(info) as conn:
                conn.sendall(SHOW_COMMAND + b" " + str(info["token"]).encode() + b"\n")
                if conn.recv(16).startswith(b"ok"):
                    return True
        except (OSError, ValueError, KeyError, TypeError):
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def _connect(info: dict[str, Any]) -> socket.socket:
    if "socket" in info:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(2)
        try:
            conn.connect(str(info["socket"]))
        except OSError:
            conn.close()
            raise
        return conn
    return socket.create_connection(("127.0.0.1", int(info["port"])), timeout=2)
