"""What the window's page must not lose across a restart (joined rooms, drafts, the outbox), kept in
the data folder rather than in the browser's localStorage.

localStorage is keyed by the page's origin, http://127.0.0.1:PAGE_PORT: when another program holds
last run's port, the page gets a new one and its localStorage starts empty, and Chromium writes
localStorage to disk lazily, so a crash can lose the last changes. This store is one small JSON
file, written whole (atomically, durably, 0600) on every change. The UI mirrors its `lanchat.*`
keys here and restores them before it mounts (ui/src/windowStorage.js).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from server.storage.private_files import write_private

__all__ = ["MAX_STORED_BYTES", "MAX_STORED_KEYS", "STORED_KEY_PREFIX", "PageStorage"]

log = logging.getLogger("lanchat.desktop")

STORAGE_FILE = "window-storage.json"
STORED_KEY_PREFIX = "lanchat."
MAX_STORED_KEYS = 1000
MAX_KEY_CHARS = 600  # "lanchat.draft." or "lanchat.outbox." and a host/room key
# Keys and values together, as characters: a bound on what one page can make us write per change.
MAX_STORED_BYTES = 4 * 1024 * 1024


class PageStorage:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / STORAGE_FILE
        self._lock = threading.Lock()
        self._items = self._load()

    def items(self) -> dict[str, str]:
        with self._lock:
            return dict(self._items)

    def set(self, key: str, value: str) -> None:
        """Store one item; ValueError (nothing stored) if it breaks a rule or a limit."""
        _check_key(key)
        if not isinstance(value, str):
            raise ValueError(f"a stored value must be a string, got {type(value).__name__}")
        with self._lock:
            changed = {**self._items, key: value}
            if len(changed) > MAX_STORED_KEYS:
                raise ValueError(f"at most {MAX_STORED_KEYS} items may be stored, got {len(changed)}")
            size = _size(changed)
            if size > MAX_STORED_BYTES:
                raise ValueError(f"at most {MAX_STORED_BYTES} characters may be stored, got {size}")
            if self._items.get(key) == value:
                return
            self._write(changed)
            self._items = changed

    def remove(self, key: str) -> None:
        _check_key(key)
        with self._lock:
            if key not in self._items:
                return
            changed = {name: value for name, value in self._items.items() if name != key}
            self._write(changed)
            self._items = changed

    def _write(self, items: dict[str, str]) -> None:
        write_private(self.path, json.dumps(items, ensure_ascii=False))

    def _load(self) -> dict[str, str]:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable page storage in %s: %s", self.path, exc)
            return {}
        if not isinstance(stored, dict):
            return {}
        return {
            key: value
            for key, value in stored.items()
            if isinstance(key, str) and key.startswith(STORED_KEY_PREFIX) and isinstance(value, str)
        }


def _check_key(key: object) -> None:
    if not isinstance(key, str) or not key.startswith(STORED_KEY_PREFIX) or len(key) > MAX_KEY_CHARS:
        raise ValueError(
            f"a stored key must be a string starting with {STORED_KEY_PREFIX!r} of at most "
            f"{MAX_KEY_CHARS} characters, got {key!r}"
        )


def _size(items: dict[str, str]) -> int:
    return sum(len(key) + len(value) for key, value in items.items())
