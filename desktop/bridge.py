"""`window.pywebview.api`: what the chat UI may ask of the desktop app.

pywebview exposes every public method of this object to JavaScript (each call runs on its own
thread and returns a Promise), and walks public attributes too: everything else stays private.
The UI feature-detects `window.pywebview.api`; in a plain browser it is absent.
"""

from __future__ import annotations

import logging
import webbrowser
from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .hosting import Hosting, HostStatus
from .notifications import Notifier
from .settings import SettingsStore

if TYPE_CHECKING:
    from webview import Window

__all__ = ["WINDOW_TITLE", "Bridge", "window_title"]

log = logging.getLogger("lanchat.desktop")

WINDOW_TITLE = "lanchat"


def window_title(unread: int) -> str:
    return f"{WINDOW_TITLE} ({unread})" if unread > 0 else WINDOW_TITLE


class Bridge:
    def __init__(self, hosting: Hosting, settings: SettingsStore, notifier: Notifier) -> None:
        self._hosting = hosting
        self._settings = settings
        self._notifier = notifier
        self._window: Window | None = None  # once created

    def _attach(self, window: Window) -> None:
        # Underscored so that pywebview does not offer it to JavaScript.
        self._window = window

    # Hosting: each returns {hosting, port, addresses, error, suggested_port}.

    def host_status(self) -> HostStatus:
        return self._hosting.status()

    def start_hosting(self, port: int) -> HostStatus:
        status = self._hosting.start(port)
        if status["hosting"]:
            self._settings.update({"port": status["port"]})
        return status

    def stop_hosting(self) -> HostStatus:
        return self._hosting.stop()

    # Native touches.

    def notify(self, title: str, body: str) -> bool:
        """A native notification, only when enabled and the window is not focused; True if shown."""
        if not self._settings.current.notifications or self._window_focused():
            return False
        return self._notifier.show(str(title), str(body))

    def set_unread(self, count: int) -> None:
        if self._window is not None:
            self._window.set_title(window_title(int(count)))

    def open_external(self, url: str) -> bool:
        """Open an http(s) link in the system browser; anything else is refused."""
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            log.warning("refused to open a non-http link: %r", url)
            return False
        return webbrowser.open(url)

    # Settings: {name, language, port, notifications, recent}; see settings.Settings.

    def get_settings(self) -> dict[str, Any]:
        return asdict(self._settings.current)

    def save_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply a partial update and return all settings; an invalid value rejects the Promise."""
        return asdict(self._settings.update(changes))

    def _window_focused(self) -> bool:
        if self._window is None:
            return False
        try:
            return bool(self._window.evaluate_js("document.hasFocus()"))
        except Exception:  # the window is closing
            return False
