"""One lanchat window per data folder: a second launch asks the first to come forward, then exits.

The first instance holds an exclusive lock on `instance.lock` (the OS releases it even if the
process dies) and listens on a loopback port written to `instance.json`, with a random token so
that only someone who can read our data folder can ask.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["InstanceLock", "ShowRequests", "ask_running_instance_to_show"]

log = logging.getLogger("lanchat.desktop")

LOCK_FILE = "instance.lock"
INFO_FILE = "instance.json"
SHOW_COMMAND = b"show"
# The first instance may hold the lock but not yet have written its port.
HANDOVER_WAIT_SECONDS = 10.0


class InstanceLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._file: BinaryIO | None = None

    def acquire(self) -> bool:
        """True if this process is now the only instance for the data folder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
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
    """A loopback listener that calls `on_show` when a second launch asks; runs on a daemon thread."""

    def __init__(self, data_dir: Path, on_show: Callable[[], None]) -> None:
        self._info_path = data_dir / INFO_FILE
        self._on_show = on_show
        self._token = secrets.token_hex(16)
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.5)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="lanchat-instance", daemon=True)

    def start(self) -> None:
        info = {"pid": os.getpid(), "port": self._sock.getsockname()[1], "token": self._token}
        partial = self._info_path.with_suffix(".tmp")
        # Owner-only: the token is what keeps other local users from poking the window.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(info, out)
        os.replace(partial, self._info_path)
        self._thread.start()

    def close(self) -> None:
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join(2)
        self._sock.close()
        self._info_path.unlink(missing_ok=True)

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    request = conn.recv(256).strip()
                except OSError:
                    continue
                if request != SHOW_COMMAND + b" " + self._token.encode():
                    log.warning("ignored a malformed request on the instance port")
                    continue
                log.info("a second launch asked for the window: bringing it forward")
                try:
                    self._on_show()
                    conn.sendall(b"ok\n")
                except Exception:
                    log.exception("could not bring the window forward")


def ask_running_instance_to_show(data_dir: Path, wait: float = HANDOVER_WAIT_SECONDS) -> bool:
    """Ask the instance holding the lock to show its window; True if it answered."""
    info_path = data_dir / INFO_FILE
    deadline = time.monotonic() + wait
    while True:
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            with socket.create_connection(("127.0.0.1", int(info["port"])), timeout=2) as conn:
                conn.sendall(SHOW_COMMAND + b" " + str(info["token"]).encode() + b"\n")
                if conn.recv(16).startswith(b"ok"):
                    return True
        except (OSError, ValueError, KeyError, TypeError):
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
