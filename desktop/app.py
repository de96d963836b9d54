"""The desktop app: the embedded server on a background thread, the window on the main thread.

Order of life: take the single-instance lock, start the server on loopback, open the window
(`webview.start()` owns the main thread until the window closes), then stop hosting, stop the
server (which flushes the history store) and return 0.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from server.config import ServerConfig
from server.runner import ServerStartError, ServerThread

from .bridge import WINDOW_TITLE, Bridge
from .hosting import Hosting
from .notifications import Notifier
from .settings import SettingsStore
from .single_instance import InstanceLock, ShowRequests, ask_running_instance_to_show

__all__ = ["DesktopOptions", "DesktopApp", "run"]

log = logging.getLogger("lanchat.desktop")

# The page's origin (http://127.0.0.1:PORT) keys its localStorage: reusing last run's port keeps
# what the UI stored. Only if that port is taken now does the window get a fresh one.
ORIGIN_PORT_FILE = "window-port"
WEBVIEW_STORAGE_DIR = "webview"
WINDOW_ICON = Path(__file__).resolve().parent / "icons" / "lanchat.png"
SERVER_STOP_SECONDS = 1.5


@dataclass(frozen=True)
class DesktopOptions:
    data_dir: Path  # history, browser storage, the instance lock
    config_dir: Path  # settings.json
    debug: bool = False  # the web inspector (right-click > Inspect) in the window


@dataclass
class DesktopApp:
    """What a running app is made of; handed to `on_ready` once the UI has loaded."""

    options: DesktopOptions
    server: ServerThread
    hosting: Hosting
    bridge: Bridge
    window: object  # webview.Window
    started_at: float  # time.monotonic() when run() began


def run(options: DesktopOptions, on_ready: Callable[[DesktopApp], None] | None = None) -> int:
    """Run the window until it is closed (or SIGINT/SIGTERM); the exit code.

    `on_ready`, if given, runs on its own thread once the UI has loaded: the benchmark and the
    tests use it to watch and drive the real app.
    """
    started_at = time.monotonic()
    lock = InstanceLock(options.data_dir)
    if not lock.acquire():
        if ask_running_instance_to_show(options.data_dir):
            print("lanchat is already running: brought its window forward.", flush=True)
            return 0
        print(f"lanchat: another lanchat holds {lock.path} but does not answer.", flush=True)
        return 1
    try:
        return _run_locked(options, on_ready, started_at)
    finally:
        lock.release()


def _run_locked(options: DesktopOptions, on_ready: Callable[[DesktopApp], None] | None, started_at: float) -> int:
    _allow_webengine_as_root()
    # The server thread imports uvicorn while this one imports pywebview; the page's files are
    # served before FastAPI is imported (server.startup), so the window does not wait for it.
    server = _start_server(options.data_dir)
    import webview  # only now: importing Qt is the slow part, and `lanchat serve` never needs it

    # In debug mode pywebview would open the inspector as a second window, and Qt keeps running
    # while any window is open: closing the chat window must end the app. Right-click > Inspect
    # still opens it.
    webview.settings["OPEN_DEVTOOLS_IN_DEBUG"] = False

    notifier = Notifier()
    hosting = Hosting(server)
    bridge = Bridge(hosting, SettingsStore(options.config_dir), notifier)
    window = webview.create_window(WINDOW_TITLE, server.url, js_api=bridge, width=1024, height=720, min_size=(420, 480))
    bridge._attach(window)
    show_requests = ShowRequests(options.data_dir, on_show=lambda: _bring_forward(window))
    app = DesktopApp(options, server, hosting, bridge, window, started_at)
    try:
        show_requests.start()
        _close_window_on(signal.SIGTERM, window)
        # pywebview's Qt backend installs its own SIGINT handler (quit the Qt loop) and a timer that
        # lets Python signal handlers run while the C++ event loop spins.
        _close_window_on(signal.SIGINT, window)
        # Let the server start before Qt does: beside Qt WebEngine's start-up on a two-core machine
        # its few tens of milliseconds stretch to a few tenths, and the page's request would wait.
        server.wait_started()
        webview.start(
            _when_loaded,
            (app, on_ready),
            gui="qt",
            debug=options.debug,
            private_mode=False,
            storage_path=str(options.data_dir / WEBVIEW_STORAGE_DIR),
            icon=str(WINDOW_ICON) if WINDOW_ICON.is_file() else None,
        )
    finally:
        show_requests.close()
        hosting.stop()
        server.stop(SERVER_STOP_SECONDS)
        notifier.close()
    log.info("closed in order")
    return 0


def _allow_webengine_as_root() -> None:
    # Chromium refuses to run its sandbox as root and Qt WebEngine then exits with code 1. As root
    # (containers, live systems) we turn the sandbox off; for normal users it stays on.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags.split():
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --no-sandbox".strip()


def _start_server(data_dir: Path) -> ServerThread:
    """The embedded server on loopback: nothing is exposed to the network until the user hosts."""
    remembered = data_dir / ORIGIN_PORT_FILE
    try:
        preferred = int(remembered.read_text().strip())
    except (OSError, ValueError):
        preferred = 0
    server = ServerThread(ServerConfig(host="127.0.0.1", port=preferred, data_dir=data_dir), ui_first=True)
    try:
        server.start(wait=False)
    except ServerStartError:
        if preferred == 0:
            raise
        log.warning("port %d is taken: the window gets a new one (its stored settings start empty)", preferred)
        server = ServerThread(ServerConfig(host="127.0.0.1", port=0, data_dir=data_dir), ui_first=True)
        server.start(wait=False)
    if server.port != preferred:
        data_dir.mkdir(parents=True, exist_ok=True)
        remembered.write_text(str(server.port))
    return server


def _when_loaded(app: DesktopApp, on_ready: Callable[[DesktopApp], None] | None) -> None:
    window = app.window
    if not window.events.loaded.wait(60):  # type: ignore[attr-defined]
        log.warning("the window did not load the UI within 60 s")
        return
    log.info("UI loaded %.2f s after start", time.monotonic() - app.started_at)
    if on_ready is not None:
        on_ready(app)


def _bring_forward(window) -> None:
    window.show()
    window.restore()  # Qt: un-minimize, raise and activate


def _close_window_on(signum: signal.Signals, window) -> None:
    def close(received: int, _frame) -> None:
        log.info("%s: closing the window", signal.Signals(received).name)
        # destroy() waits for the GUI thread; never block inside a signal handler.
        threading.Thread(target=window.destroy, name="lanchat-close", daemon=True).start()

    signal.signal(signum, close)
