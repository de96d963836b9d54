"""The window's settings: a small JSON file in the platform's config folder."""

from __future__ import annotations

import json
import logging
import math
import threading
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from server.protocol.limits import (
    EDIT_WINDOW_SECONDS,
    MAX_EDIT_WINDOW_HOURS,
    MAX_ROOM_CHARS,
    MAX_SENDER_CHARS,
)
from server.storage.private_files import write_private

__all__ = ["DEFAULT_HOST_PORT", "Settings", "SettingsStore", "default_config_dir"]

log = logging.getLogger("lanchat.desktop")

DEFAULT_HOST_PORT = 8765
MAX_RECENT = 10
MAX_HOST_CHARS = 261  # a 253-character name, ":" and a port
# Muted rooms, as the UI names them ("host/room"); the UI keeps the same bound (useSettings.js
# MUTED_ROOMS_MAX, checked equal by a test).
MAX_MUTED_ROOMS = 200
MAX_MUTED_KEY_CHARS = MAX_HOST_CHARS + 1 + MAX_ROOM_CHARS
SETTINGS_FILE = "settings.json"


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir("lanchat", appauthor=False))


@dataclass(frozen=True)
class Settings:
    name: str = ""
    language: str = ""  # "" follows the system's language
    port: int = DEFAULT_HOST_PORT  # where hosting listens
    # Whether the person left hosting on: a window started again hosts again on `port` (guests
    # who were in its rooms reconnect by themselves), until they stop hosting.
    hosting: bool = False
    notifications: bool = True
    # Read receipts, both ways: off, the rooms neither say what was seen nor show others' (as Telegram).
    receipts: bool = True
    # Announce while hosting and list the hosts around (desktop/presence.py); the environment's
    # LANCHAT_DISCOVERY=off and `lanchat --no-discovery` keep it off whatever this says.
    discovery: bool = True
    # Rooms joined lately, most recent first: {"host": "name:port" or None for this app's own
    # server, "room": "general"}. Remembering the host with its room is what lets the UI offer
    # "general on 192.168.1.20:8765" again.
    recent: list[dict[str, str | None]] = field(default_factory=list)
    # Rooms that notify only of messages that mention this person: "host/room" keys.
    muted: list[str] = field(default_factory=list)
    # How long after sending people may edit their messages on this window's server (the Host
    # panel); 0 turns edits off. Deleting one's own message has no limit.
    edit_window_hours: float = EDIT_WINDOW_SECONDS / 3600


def _checked(key: str, value: Any) -> Any:
    """The value as stored, or ValueError saying what was expected and what arrived."""
    if key == "name":
        if not isinstance(value, str) or len(value.strip()) > MAX_SENDER_CHARS:
            raise ValueError(f"name must be a string of at most {MAX_SENDER_CHARS} characters, got {value!r}")
        return value.strip()
    if key == "language":
        if not isinstance(value, str) or len(value) > 16:
            raise ValueError(f"language must be a language tag such as 'en' or 'ru', got {value!r}")
        return value
    if key == "port":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            raise ValueError(f"port must be an integer from 1 to 65535, got {value!r}")
        return value
    if key in ("notifications", "discovery", "receipts", "hosting"):
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false, got {value!r}")
        return value
    if key == "edit_window_hours":
        number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not number or not 0 <= value <= MAX_EDIT_WINDOW_HOURS:
            raise ValueError(
                f"edit_window_hours must be a number from 0 to {MAX_EDIT_WINDOW_HOURS}, got {value!r}"
            )
        return float(value)
    if key == "recent":
        if not isinstance(value, list) or not all(_is_recent_entry(entry) for entry in value):
            raise ValueError(
                f'recent must be a list of {{"host": "name:port" or null, "room": "name"}}, got {value!r}'
            )
        unique = {(entry["host"], entry["room"]): None for entry in value}
        return [{"host": host, "room": room} for host, room in unique][:MAX_RECENT]
    if key == "muted":
        well_formed = isinstance(value, list) and all(
            isinstance(each, str) and 0 < len(each) <= MAX_MUTED_KEY_CHARS for each in value
        )
        rooms = list(dict.fromkeys(value)) if well_formed else []
        if not well_formed or len(rooms) > MAX_MUTED_ROOMS:
            wanted = f'a list of at most {MAX_MUTED_ROOMS} "host/room" strings'
            raise ValueError(f"muted must be {wanted}, got {str(value)[:200]}")
        return rooms
    raise ValueError(f"unknown setting {key!r}; known: {', '.join(f.name for f in fields(Settings))}")


def _is_recent_entry(entry: Any) -> bool:
    if not isinstance(entry, dict) or set(entry) != {"host", "room"}:
        return False
    host, room = entry["host"], entry["room"]
    host_ok = host is None or (isinstance(host, str) and 0 < len(host) <= MAX_HOST_CHARS)
    return host_ok and isinstance(room, str) and 0 < len(room) <= MAX_ROOM_CHARS


class SettingsStore:
    """Loads once, saves on every change at once (atomically and durably, the user's only: a crash
    loses nothing saved and never leaves half a file)."""

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / SETTINGS_FILE
        self._lock = threading.Lock()
        self._settings = self._load()

    @property
    def current(self) -> Settings:
        return self._settings

    def update(self, changes: dict[str, Any]) -> Settings:
        """Apply and persist a partial update; ValueError (nothing saved) if any value is invalid."""
        if not isinstance(changes, dict):
            raise ValueError(f"settings must be an object, got {type(changes).__name__}")
        checked = {key: _checked(key, value) for key, value in changes.items()}
        with self._lock:
            self._settings = replace(self._settings, **checked)
            self._write(self._settings)
            return self._settings

    def _load(self) -> Settings:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Settings()
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable settings in %s: %s", self.path, exc)
            return Settings()
        if not isinstance(stored, dict):
            log.warning("ignoring settings in %s: not a JSON object", self.path)
            return Settings()
        # One bad or unknown value (an older or newer version wrote it) costs that value, not the file.
        valid = {}
        for key, value in stored.items():
            try:
                valid[key] = _checked(key, value)
            except ValueError as exc:
                log.warning("ignoring a stored setting: %s", exc)
        return replace(Settings(), **valid)

    def _write(self, settings: Settings) -> None:
        write_private(self.path, json.dumps(asdict(settings), ensure_ascii=False, indent=2))
