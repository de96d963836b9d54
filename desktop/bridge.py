"""`window.pywebview.api`: what the chat UI may ask of the desktop app.

pywebview exposes every public method of this object to JavaScript (each call runs on its own
thread and returns a Promise), and walks public attributes too: everything else stays private.
The UI feature-detects `window.pywebview.api`; in a plain browser it is absent.

pywebview offers the bridge to whatever page the window shows. The window is kept on our page
(desktop/page_guard.py), and each method also refuses (PermissionError, a rejected Promise) unless
the window shows our page at the moment of the call: the two guards do not depend on each other.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

import platformdirs

from server.tls.safety_code import fingerprint_from_link, safety_code

from .downloads import DownloadProgress, Downloads, DownloadStarted
from .gateway import Gateway, HostOpened, HostProblem, IdentityChanged
from .host_controls import WindowHostControls
from .hosting import Hosting, HostStatus
from .identity_reset import NewIdentity, make_new_host_identity
from .notifications import Notifier
from .page_storage import PageStorage
from .presence import Presence
from .room_admin import RoomAdmin, RoomPrivacy
from .server_problem import ServerProblem, describe, move_aside
from .settings import SettingsStore

if TYPE_CHECKING:
    from webview import Window

    from .page_guard import PageGuard

__all__ = ["WINDOW_TITLE", "Bridge", "window_title"]

log = logging.getLogger("lanchat.desktop")

WINDOW_TITLE = "lanchat"


def save_folder() -> str:
    """Where "Save as..." opens: the person's Downloads folder (XDG's, or ~/Downloads), else their
    home, never the process's working folder (the dialog's default)."""
    downloads = Path(platformdirs.user_downloads_dir())
    return str(downloads if downloads.is_dir() else Path.home())


def window_title(unread: int) -> str:
    return f"{WINDOW_TITLE} ({unread})" if unread > 0 else WINDOW_TITLE


P = ParamSpec("P")
R = TypeVar("R")


def _our_page_only(method: Callable[Concatenate[Bridge, P], R]) -> Callable[Concatenate[Bridge, P], R]:
    def guarded(self: Bridge, /, *args: P.args, **kwargs: P.kwargs) -> R:
        self._refuse_unless_our_page(method.__name__)
        return method(self, *args, **kwargs)

    # pywebview reads the name and the parameters to build the JavaScript side.
    functools.update_wrapper(guarded, method)
    return guarded


class Bridge:
    def __init__(
        self,
        hosting: Hosting,
        settings: SettingsStore,
        notifier: Notifier,
        storage: PageStorage,
        presence: Presence | None = None,
        controls: WindowHostControls | None = None,
        room_admin: RoomAdmin | None = None,
        downloads: Downloads | None = None,
        gateway: Gateway | None = None,
    ) -> None:
        self._hosting = hosting
        self._controls = controls
        self._settings = settings
        self._notifier = notifier
        self._storage = storage
        self._presence = presence
        self._room_admin = room_admin
        self._downloads = downloads or Downloads(self._ask_save_path)
        self._gateway = gateway
        self._window: Window | None = None  # once created
        self._hosting_resumed = False  # hosting left on at the last close is started again once
        self._guard: PageGuard | None = None

    def _attach(self, window: Window, guard: PageGuard) -> None:
        # Underscored so that pywebview does not offer it to JavaScript.
        self._window = window
        self._guard = guard

    def _refuse_unless_our_page(self, name: str) -> None:
        if self._window is None or self._guard is None:
            raise PermissionError(f"{name}: the window is not open")
        current = self._window.get_current_url()
        if not self._guard.shows_our_page(current):
            log.warning("refused %s from a page that is not lanchat's: %s", name, current)
            raise PermissionError(f"{name} is only for lanchat's own page, not {current}")

    # Hosting: each returns {hosting, port, addresses, error, suggested_port}.

    @_our_page_only
    def server_problem(self) -> ServerProblem | None:
        """None once this window's server serves; else why it could not start (the page's
        start-up problem screen)."""
        return describe(self._hosting.server)

    @_our_page_only
    def move_damaged_file_aside(self) -> ServerProblem | None:
        """The way out of a damaged data file that loses nothing: it is kept aside, renamed."""
        return move_aside(self._hosting.server)

    @_our_page_only
    def quit(self) -> None:
        if self._window is not None:
            self._window.destroy()

    @_our_page_only
    def host_status(self) -> HostStatus:
        if not self._hosting_resumed:
            # The page asks first thing when it loads: a window closed while hosting hosts again.
            self._hosting_resumed = True
            settings = self._settings.current
            if settings.hosting:
                return self._hosting.start(settings.port)
        return self._hosting.settled_status()

    @_our_page_only
    def start_hosting(self, port: int) -> HostStatus:
        self._hosting_resumed = True
        status = self._hosting.start(port)
        if status["hosting"]:
            self._settings.update({"port": status["port"], "hosting": True})
        return status

    @_our_page_only
    def stop_hosting(self) -> HostStatus:
        self._hosting_resumed = True
        status = self._hosting.stop()
        self._settings.update({"hosting": False})
        return status

    @_our_page_only
    def new_host_identity(self) -> NewIdentity:
        """Settings' "Make a new host identity": the old key moved aside, a new one served at once."""
        return make_new_host_identity(self._hosting)

    # Host controls (server/rooms/moderation.py), for the rooms of this window's own server only: the
    # window's page reaches them here, nobody on the network can (no route or frame leads there).

    @_our_page_only
    def host_members(self, room: str) -> list[dict[str, Any]]:
        """[{name, identity, address}] of the room's connections: identity ids, never secrets."""
        return [dict(member) for member in self._host_controls().members(room)]

    @_our_page_only
    def remove_member(self, room: str, name: str, reason: str = "") -> int:
        return self._host_controls().remove_member(room, name, reason)

    @_our_page_only
    def ban_identity(self, identity: str, name: str = "") -> dict[str, Any]:
        return dict(self._host_controls().ban("identity", identity, name))

    @_our_page_only
    def ban_address(self, address: str, name: str = "") -> dict[str, Any]:
        return dict(self._host_controls().ban("address", address, name))

    @_our_page_only
    def host_bans(self) -> list[dict[str, Any]]:
        return [dict(ban) for ban in self._host_controls().bans()]

    @_our_page_only
    def unban(self, kind: str, value: str) -> bool:
        return self._host_controls().unban(kind, value)

    @_our_page_only
    def delete_message(self, room: str, message_id: int) -> bool:
        return self._host_controls().delete_message(room, message_id)

    def _host_controls(self) -> WindowHostControls:
        if self._controls is None:
            raise PermissionError("this window has no host controls")
        return self._controls

    # The host's private rooms (desktop/room_admin.py): this window's own server only.

    @_our_page_only
    def room_privacy(self, room: str) -> RoomPrivacy:
        return self._admin().privacy(room)

    @_our_page_only
    def room_pass(self, room: str) -> str | None:
        """What the page sends instead of a password to enter this host's own private room."""
        return self._admin().host_pass(room)

    @_our_page_only
    def make_room_private(self, room: str, password: str) -> RoomPrivacy:
        """Make a room private or change its password; a bad password rejects the Promise."""
        return self._admin().make_private(room, password)

    @_our_page_only
    def make_room_open(self, room: str) -> RoomPrivacy:
        return self._admin().make_open(room)

    def _admin(self) -> RoomAdmin:
        if self._room_admin is None:
            raise RuntimeError("this window has no room server")
        return self._room_admin

    # Other hosts, through the pinned gateway (desktop/gateway.py): the page reaches each at the
    # loopback address `via`, and never speaks TLS itself.

    @_our_page_only
    def open_host(self, address: str, fp: str = "") -> HostOpened | HostProblem:
        """Check `address`'s identity over TLS (pinning it on first contact, or only the key a join
        link's `fp` names): {via, safety_code, first_contact, verified}, or {problem} with
        identity_changed (and old_code, new_code), tls_failed, unreachable or bad_address."""
        expected = None
        if fp:
            try:
                expected = fingerprint_from_link(str(fp))
            except ValueError:
                return {"problem": "bad_address"}
        return self._hosts().open(str(address), expected)

    @_our_page_only
    def host_routes(self, addresses: list[str]) -> dict[str, str]:
        """{address: via} for the hosts of the rooms a restart brings back; no network contact
        (each connection through the gateway is checked against the pin when it is made)."""
        routes: dict[str, str] = {}
        for address in addresses:
            try:
                routes[str(address)] = self._hosts().route(str(address))
            except ValueError:
                log.warning("not an address of a host: %r", address)
        return routes

    @_our_page_only
    def host_identity(self, address: str) -> dict[str, Any] | None:
        """{safety_code, verified} of a trusted host, {problem: identity_changed, old_code,
        new_code} while it presents another key, or null for a host never reached."""
        changed = self._hosts().changed(str(address))
        if changed is not None:
            return dict(changed.problem())
        pin = self._hosts().pins.get(str(address))
        if pin is None:
            return None
        return {"safety_code": safety_code(pin.fingerprint), "verified": pin.verified}

    @_our_page_only
    def trust_host_identity(self, address: str, typed_code: str) -> HostOpened:
        """Trust the identity `address` presents now, in place of the one pinned: only with the new
        safety code typed as the host's person reads it (a deliberate act, never one click)."""
        changed = self._hosts().changed(str(address))
        if changed is None:
            raise ValueError("this host's identity has not changed")
        if _digits(typed_code) != _digits(safety_code(changed.presented)):
            raise ValueError("the code typed is not the host's new safety code")
        return self._hosts().trust(str(address), changed.presented)

    @_our_page_only
    def set_host_verified(self, address: str, verified: bool) -> dict[str, Any] | None:
        pin = self._hosts().pins.set_verified(str(address), bool(verified))
        if pin is None:
            return None
        return {"safety_code": safety_code(pin.fingerprint), "verified": pin.verified}

    def _hosts(self) -> Gateway:
        if self._gateway is None:
            raise RuntimeError("this window has no gateway to other hosts")
        return self._gateway

    def _identity_changed(self, changed: IdentityChanged) -> None:
        """The gateway refused a host's connection: the page shows its hard stop at once. On a
        thread of its own, since evaluate_js waits for the GUI thread."""
        window = self._window
        if window is None:
            return
        detail = json.dumps({"address": changed.host, **changed.problem()})
        script = f"window.dispatchEvent(new CustomEvent('lanchat-host-identity', {{detail: {detail}}}))"

        def tell() -> None:
            try:
                window.evaluate_js(script)
            except Exception:  # the window is closing
                log.debug("could not tell the page of a changed identity", exc_info=True)

        threading.Thread(target=tell, name="lanchat-identity-changed", daemon=True).start()

    # Native touches.

    @_our_page_only
    def notify(self, title: str, body: str) -> bool:
        """A native notification, only when enabled and the window is not focused; True if shown."""
        if not self._settings.current.notifications or self._window_focused():
            return False
        return self._notifier.show(str(title), str(body))

    @_our_page_only
    def set_unread(self, count: int) -> None:
        if self._window is not None:
            self._window.set_title(window_title(int(count)))

    @_our_page_only
    def copy_text(self, text: str) -> bool:
        """Put text on the system clipboard (the window has no clipboard permission to give)."""
        if not isinstance(text, str):
            raise ValueError(f"copy_text wants a string, got {type(text).__name__}")
        assert self._guard is not None  # checked by _our_page_only
        self._guard.copy_text(text)
        return True

    @_our_page_only
    def open_external(self, url: str) -> bool:
        """Open an http(s) link in the system browser; anything else is refused."""
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            log.warning("refused to open a non-http link: %r", url)
            return False
        return webbrowser.open(url)

    # Files of the rooms (desktop/downloads.py): "Save as..." and "Show in folder".

    @_our_page_only
    def save_file(self, url: str, name: str, token: str = "") -> DownloadStarted | None:
        """The system's save dialog, then the file streamed there; null if the dialog was cancelled."""
        return self._downloads.start(str(url), str(name), str(token or ""))

    @_our_page_only
    def download_progress(self, download_id: int) -> DownloadProgress:
        return self._downloads.progress(download_id)

    @_our_page_only
    def show_in_folder(self, path: str) -> bool:
        return self._downloads.show_in_folder(str(path))

    def _ask_save_path(self, name: str) -> str | None:
        import webview  # only where a window exists

        if self._window is None:
            return None
        chosen = self._window.create_file_dialog(
            webview.FileDialog.SAVE, directory=save_folder(), save_filename=name
        )
        if not chosen:
            return None
        return chosen if isinstance(chosen, str) else chosen[0]

    # Settings: {name, language, port, notifications, discovery, receipts, recent}; see settings.Settings.

    @_our_page_only
    def get_settings(self) -> dict[str, Any]:
        return asdict(self._settings.current)

    @_our_page_only
    def save_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply a partial update and return all settings; an invalid value rejects the Promise."""
        before = self._settings.current.edit_window_hours
        settings = self._settings.update(changes)
        if settings.edit_window_hours != before and self._controls is not None:
            # This window's own server takes it at once (the setting is kept for its next start).
            self._controls.set_edit_window(settings.edit_window_hours * 3600)
        if self._presence is not None:
            self._presence.settings_changed(settings)
        return asdict(settings)

    @_our_page_only
    def discovery_status(self) -> dict[str, Any]:
        """{setting, enabled, blocked_by}: blocked_by is "environment" (LANCHAT_DISCOVERY=off),
        "flag" (--no-discovery) or null, and then `enabled` follows the setting."""
        if self._presence is None:
            return {"setting": self._settings.current.discovery, "enabled": False, "blocked_by": "flag"}
        return self._presence.status()

    # What the page keeps across restarts (see page_storage.py): the UI's lanchat.* items.

    @_our_page_only
    def storage_items(self) -> dict[str, str]:
        return self._storage.items()

    @_our_page_only
    def storage_set(self, key: str, value: str) -> None:
        """Store one item; a key or value that breaks a limit rejects the Promise."""
        self._storage.set(key, value)

    @_our_page_only
    def storage_remove(self, key: str) -> None:
        self._storage.remove(key)

    def _window_focused(self) -> bool:
        if self._window is None:
            return False
        try:
            return bool(self._window.evaluate_js("document.hasFocus()"))
        except Exception:  # the window is closing
            return False


def _digits(text: object) -> str:
    return "".join(char for char in str(text) if char.isdigit())
