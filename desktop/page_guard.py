"""What lanchat changes in pywebview's Qt window: who answers permission requests, where the page
may go, and how a bridge thread reaches the GUI thread.

- Permissions. pywebview answers a web permission request (clipboard, notifications, media) with
  `setFeaturePermission(url, feature, 2)`; PyQt6 6.11 refuses the plain int, and an exception in a
  Qt slot aborts the whole process (Copy in the host panel killed the app). We disconnect that slot
  and deny every request ourselves through Qt's own types: the UI needs none of them (copying and
  notifications go through the bridge).
- Navigation. pywebview injects the bridge into whatever the window shows, so the window never
  leaves our page: a navigation to anywhere else (a link, `location = ...`, a dropped file or URL,
  an iframe) is refused, and web links open in the system browser instead. Chromium changes to
  about:blank or a data: URL without asking anyone; the window then loads our page again.
- Keyboard focus. A new window's web view does not hold the keyboard until someone clicks into
  it, so the page's own focus (the Name field on a first start) typed into nothing, as it does
  in a browser tab. When the page first loads, the window is made active and the view takes the
  keyboard.
- The GUI thread. The bridge runs each call on its own thread; Qt objects such as the clipboard
  belong to the GUI thread, so `on_gui_thread` hands a function over through a queued signal.

`install` runs on the GUI thread (from pywebview's `before_show` event), before the page's script
runs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import webbrowser
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PyQt6.QtCore import QObject, QTimer, QUrl, pyqtSignal, pyqtSlot
from PyQt6.QtWebEngineCore import QWebEngineNavigationRequest, QWebEnginePage, QWebEnginePermission
from PyQt6.QtWidgets import QApplication

if TYPE_CHECKING:
    from webview import Window

__all__ = ["GUI_CALL_TIMEOUT_SECONDS", "PageGuard", "origin_of"]

log = logging.getLogger("lanchat.desktop")

GUI_CALL_TIMEOUT_SECONDS = 5.0
# Asking the window system to make the new window active: this many times, this far apart.
KEYBOARD_TRIES = 100
KEYBOARD_RETRY_MS = 100


def origin_of(url: str) -> str:
    """scheme://host:port, or "" for a URL without a network origin (file:, data:, about:)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.hostname}:{port}"


class _GuiCalls(QObject):
    """Lives on the GUI thread; a function emitted from any thread runs there."""

    requested = pyqtSignal(object)

    def __init__(self) -> None:
        super().__init__()
        self.requested.connect(self._run)

    @pyqtSlot(object)
    def _run(self, call: Callable[[], None]) -> None:
        call()


class PageGuard:
    def __init__(self) -> None:
        self.origin = ""  # our page's origin, known once the window exists
        self._home = ""  # our page's full URL
        self._gui: _GuiCalls | None = None
        self._page: QWebEnginePage | None = None
        self._view: Any = None  # the QWebEngineView, until the page has first loaded

    def install(self, window: Window) -> None:
        """Take over permissions and navigation for the window's page; on the GUI thread."""
        self._home = window.real_url or ""
        self.origin = origin_of(self._home)
        self._gui = _GuiCalls()
        native: Any = window.native  # pywebview's BrowserView, a QMainWindow
        page = native.webview.page()
        self._page = page
        # Every receiver of the old signal is pywebview's slot; ours answers on the new one.
        with contextlib.suppress(TypeError):  # TypeError: a pywebview that no longer connects it
            page.featurePermissionRequested.disconnect()
        page.permissionRequested.connect(_deny_permission)
        page.navigationRequested.connect(self._on_navigation)
        # Chromium decides some navigations (about:blank, data:) without asking: go back home.
        page.urlChanged.connect(self._on_url_changed)
        self._view = native.webview
        page.loadFinished.connect(self._on_first_load)

    def shows_our_page(self, current_url: str | None) -> bool:
        return bool(self.origin) and origin_of(current_url or "") == self.origin

    def on_gui_thread(self, call: Callable[[], Any]) -> Any:
        """Run `call` on the GUI thread and return what it returns (or raise what it raised)."""
        if self._gui is None:
            raise RuntimeError("the window is not open")
        done = threading.Event()
        box: dict[str, Any] = {}

        def run() -> None:
            # Never let an exception escape a Qt slot: PyQt6 would abort the process.
            try:
                box["value"] = call()
            except Exception as exc:
                box["error"] = exc
            finally:
                done.set()

        self._gui.requested.emit(run)
        if not done.wait(GUI_CALL_TIMEOUT_SECONDS):
            raise TimeoutError(f"the window did not answer within {GUI_CALL_TIMEOUT_SECONDS} s")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def copy_text(self, text: str) -> None:
        def copy() -> None:
            clipboard = QApplication.clipboard()
            assert clipboard is not None  # there is one once the QApplication exists
            clipboard.setText(text)

        self.on_gui_thread(copy)

    def clipboard_text(self) -> str:
        def read() -> str:
            clipboard = QApplication.clipboard()
            return clipboard.text() if clipboard is not None else ""

        return str(self.on_gui_thread(read))

    def _on_navigation(self, request: QWebEngineNavigationRequest) -> None:
        try:
            url = request.url().toString()
            # A new frame starts as about:blank; the page itself must never become one.
            blank_frame = url == "about:blank" and not request.isMainFrame()
            if origin_of(url) == self.origin or blank_frame:
                request.accept()
                return
            request.reject()
            clicked = (
                request.navigationType() == QWebEngineNavigationRequest.NavigationType.LinkClickedNavigation
            )
            if clicked and request.isMainFrame() and urlsplit(url).scheme in ("http", "https"):
                log.info("opening a link in the system browser: %s", url)
                webbrowser.open(url)
            else:
                log.warning("refused to leave lanchat's page for %s", QUrl(url).toDisplayString())
        except Exception:
            log.exception("could not judge a navigation; refusing it")
            request.reject()

    def _on_first_load(self, ok: bool) -> None:
        view = self._view
        if view is None or not ok:
            return
        self._view = None
        self._take_keyboard(view, KEYBOARD_TRIES)

    def _take_keyboard(self, view: Any, tries: int) -> None:
        # The window system makes a window active only once it is mapped, which may come after
        # the page has loaded: ask again a few times until it is.
        try:
            window = view.window()
            if not window.isActiveWindow():
                window.activateWindow()
                window.raise_()
            view.setFocus()
            if not window.isActiveWindow() and tries > 1:
                QTimer.singleShot(KEYBOARD_RETRY_MS, lambda: self._take_keyboard(view, tries - 1))
        except Exception:
            log.exception("could not give the window the keyboard")

    def _on_url_changed(self, url: QUrl) -> None:
        try:
            shown = url.toString()
            if shown and self._home and origin_of(shown) != self.origin:
                log.warning("the page left for %s: loading lanchat's page again", url.toDisplayString())
                if self._page is not None:
                    self._page.setUrl(QUrl(self._home))
        except Exception:
            log.exception("could not bring the window back to lanchat's page")


def _deny_permission(permission: QWebEnginePermission) -> None:
    try:
        log.info("denied the page's %s permission request", permission.permissionType().name)
        permission.deny()
    except Exception:
        log.exception("could not answer a permission request")
