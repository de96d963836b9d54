"""The desktop app: the window on the main thread, the embedded server on a background thread.

Order of life: take the single-instance lock; bind the server's loopback port; open the window on
the built UI, which pywebview's own small HTTP server serves from ui/dist (`webview.start()` owns
the main thread until the window closes); once the page has loaded, start the server; at the end
stop hosting, stop the server (which flushes the history store) and return 0.

Why the server waits for the page: importing FastAPI and starting the app is a few tenths of a
second of Python, and beside Qt WebEngine's own start-up (same GIL, two cores) it made the window
half again as slow to appear. The page tells the UI where its server is (`?server=127.0.0.1:PORT`);
the UI's first requests wait in the bound socket's backlog until the server answers them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import quote

from server.config import ServerConfig, default_ui_dir
from server.runtime.runner import ServerStartError, ServerThread
from server.storage.private_files import keep_this_process_private, write_private
from server.tls.pins import PinStore

from .bridge import WINDOW_TITLE, Bridge
from .gateway import Gateway
from .host_controls import WindowHostControls
from .hosting import Hosting
from .notifications import Notifier
from .page_storage import PageStorage
from .presence import Presence, discovery_blocked_by, remembered_hosts
from .room_admin import RoomAdmin
from .settings import SettingsStore
from .single_instance import InstanceLock, ShowRequests, ask_running_instance_to_show

if TYPE_CHECKING:
    from webview import Window

    from .page_guard import PageGuard

__all__ = ["DesktopApp", "DesktopOptions", "PortMemory", "run"]

log = logging.getLogger("lanchat.desktop")

# The page's origin (http://127.0.0.1:PAGE_PORT) keys its localStorage, and the UI keys what it
# stores by its server's address too: reusing last run's ports keeps both. Only a port taken now
# is replaced by a fresh one.
PAGE_PORT_FILE = "window-port"
SERVER_PORT_FILE = "server-port"
WEBVIEW_STORAGE_DIR = "webview"
WINDOW_ICON = Path(__file__).resolve().parent / "icons" / "lanchat.png"
SERVER_STOP_SECONDS = 1.5
# The server starts once the page has loaded, or after this long if the page never does.
SERVER_START_DEFER_LIMIT_SECONDS = 5.0


@dataclass(frozen=True)
class DesktopOptions:
    data_dir: Path  # history, browser storage, the instance lock
    config_dir: Path  # settings.json
    debug: bool = False  # the web inspector (right-click > Inspect) in the window
    discovery: bool = True  # False: --no-discovery, whatever the setting says


@dataclass
class DesktopApp:
    """What a running app is made of; handed to `on_ready` once the UI has loaded."""

    options: DesktopOptions
    server: ServerThread
    hosting: Hosting
    bridge: Bridge
    page_guard: PageGuard
    window: object  # webview.Window
    started_at: float  # time.monotonic() when run() began


def run(options: DesktopOptions, on_ready: Callable[[DesktopApp], None] | None = None) -> int:
    """Run the window until it is closed (or SIGINT/SIGTERM); the exit code.

    `on_ready`, if given, runs on its own thread once the UI has loaded: the benchmark and the
    tests use it to watch and drive the real app.
    """
    started_at = time.monotonic()
    keep_this_process_private(options.data_dir)
    lock = InstanceLock(options.data_dir)
    if not lock.acquire():
        if ask_running_instance_to_show(options.data_dir):
            print("lanchat is already running: brought its window forward.", flush=True)
            return 0
        print(f"lanchat: another lanchat holds {lock.path} but does not answer.", flush=True)
        return 1
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(lock.release)
        _run_locked(options, on_ready, started_at, cleanup)
    log.info("closed in order")
    return 0


def _run_locked(
    options: DesktopOptions,
    on_ready: Callable[[DesktopApp], None] | None,
    started_at: float,
    cleanup: contextlib.ExitStack,
) -> None:
    """Each teardown is registered the moment its resource exists; `cleanup` runs them in reverse."""
    _allow_webengine_as_root()
    import webview  # only now: importing Qt is the slow part, and `lanchat serve` never needs it

    from .page_guard import PageGuard

    _log_exceptions_in_qt_slots()

    # In debug mode pywebview would open the inspector as a second window, and Qt keeps running
    # while any window is open: closing the chat window must end the app. Right-click > Inspect
    # still opens it.
    webview.settings["OPEN_DEVTOOLS_IN_DEBUG"] = False
    # A page's new windows (target=_blank, window.open) open in the system browser, never in ours.
    webview.settings["OPEN_EXTERNAL_LINKS_IN_BROWSER"] = True

    settings = SettingsStore(options.config_dir)
    browse = discovery_blocked_by(options.discovery) is None and settings.current.discovery
    known = tuple(remembered_hosts(settings.current)) if browse else ()
    # One store of trusted hosts: the gateway pins and checks with it, and the server's prober
    # holds the hosts it lists to the same pins (a known host with another key shows as changed).
    pins = PinStore.open_or_set_aside(options.data_dir)
    server = _bind_server(
        PortMemory(options.data_dir / SERVER_PORT_FILE),
        ServerConfig(
            host="127.0.0.1",
            data_dir=options.data_dir,
            browse=browse,
            known_hosts=known,
            edit_window_seconds=settings.current.edit_window_hours * 3600,
        ),
        pins,
    )
    cleanup.callback(server.stop, SERVER_STOP_SECONDS)
    presence = Presence(server, settings.current, allowed=options.discovery)
    hosting = Hosting(server, presence)
    cleanup.callback(hosting.stop)  # before the server stops: hosting runs on its event loop
    notifier = Notifier()
    cleanup.callback(notifier.close)
    page = _window_page(server, PortMemory(options.data_dir / PAGE_PORT_FILE))
    if page.needs_server_now:
        server.start(wait=False)
    room_admin = RoomAdmin(server, presence.rooms_changed)
    # Other hosts are reached through the pinned gateway; it tells the bridge of a changed identity.
    gateway = Gateway(
        pins,
        lambda changed: bridge._identity_changed(changed),
        ports_folder=options.data_dir,
    )
    cleanup.callback(gateway.stop)
    bridge = Bridge(
        hosting,
        settings,
        notifier,
        PageStorage(options.data_dir),
        presence,
        WindowHostControls(server),
        room_admin,
        gateway=gateway,
    )
    window = webview.create_window(
        WINDOW_TITLE, page.url, js_api=bridge, width=1024, height=720, min_size=(420, 480)
    )
    assert window is not None  # None only for a window made after webview.start()
    guard = PageGuard()
    window.events.before_show += guard.install
    bridge._attach(window, guard)
    show_requests = ShowRequests(options.data_dir, on_show=lambda: _bring_forward(window))
    cleanup.callback(show_requests.close)
    show_requests.start()
    app = DesktopApp(options, server, hosting, bridge, guard, window, started_at)
    _close_window_on(signal.SIGTERM, window)
    # pywebview's Qt backend installs its own SIGINT handler (quit the Qt loop) and a timer that
    # lets Python signal handlers run while the C++ event loop spins.
    _close_window_on(signal.SIGINT, window)
    webview.start(
        _when_loaded,
        (app, on_ready),
        gui="qt",
        debug=options.debug,
        private_mode=False,
        storage_path=str(options.data_dir / WEBVIEW_STORAGE_DIR),
        http_port=page.port,
        icon=str(WINDOW_ICON) if WINDOW_ICON.is_file() else None,
    )


def _log_exceptions_in_qt_slots() -> None:
    # PyQt6 aborts the process (qFatal) on an exception escaping a Qt slot or virtual while
    # sys.excepthook is Python's default. Whatever a library's slot raises, log it and live on.
    if sys.excepthook is sys.__excepthook__:

        def log_uncaught(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
            log.error("uncaught exception", exc_info=(kind, error, tb))

        sys.excepthook = log_uncaught


def _allow_webengine_as_root() -> None:
    # Chromium refuses to run its sandbox as root and Qt WebEngine then exits with code 1. As root
    # (containers, live systems) we turn the sandbox off; for normal users it stays on.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags.split():
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --no-sandbox".strip()


class PortMemory:
    """The port used last time, in a small file: reusing it keeps what is keyed by it (the page's
    origin keys its localStorage, the UI keys its rooms by the server's address)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def recall(self) -> int:
        """Last run's port, or 0 (any free port) when none was kept."""
        try:
            port = int(self.path.read_text().strip())
        except (OSError, ValueError):
            return 0
        return port if 0 < port <= 65535 else 0

    def keep(self, port: int) -> None:
        if port != self.recall():
            write_private(self.path, str(port))


def _bind_server(ports: PortMemory, config: ServerConfig, pins: PinStore) -> ServerThread:
    """The embedded server's socket, on loopback: nothing is exposed to the network until the user
    hosts. It serves only once `start()` runs; until then connections wait in the backlog."""
    preferred = ports.recall()
    server = ServerThread(replace(config, port=preferred), pins)
    try:
        server.bind()
    except ServerStartError:
        if preferred == 0:
            raise
        log.warning(
            "port %d is taken: the server gets a new one (the UI's stored rooms start empty)", preferred
        )
        server = ServerThread(replace(config, port=0), pins)
        server.bind()
    assert server.port is not None
    ports.keep(server.port)
    return server


@dataclass(frozen=True)
class WindowPage:
    url: str  # what the window opens
    port: int | None  # where pywebview serves it, or None when the page is our server's
    needs_server_now: bool  # our server's own page: nothing answers it until the server starts


def _window_page(server: ServerThread, ports: PortMemory) -> WindowPage:
    """The built UI's index.html, which pywebview serves with its own HTTP server (it listens on
    127.0.0.1 only); it names our server in its query. Without a built UI the window opens our
    server's placeholder page."""
    index = default_ui_dir() / "index.html"
    if not index.is_file():
        return WindowPage(server.url, None, needs_server_now=True)
    page_port = _free_port_like(ports.recall())
    if page_port is None:
        raise ServerStartError("no free loopback port for the window's page")
    ports.keep(page_port)
    return WindowPage(
        f"{index}?server={quote(f'127.0.0.1:{server.port}')}", page_port, needs_server_now=False
    )


def _free_port_like(preferred: int) -> int | None:
    """`preferred` if it is free on loopback now, else a free one. pywebview binds it a moment
    later: another program taking it in between is possible, and would leave the window blank."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As pywebview's server will (so last run's connections in TIME_WAIT do not count).
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                log.warning(
                    "port %d is taken: the window's page gets a new one (its stored settings start empty)",
                    port,
                )
                continue
            return int(probe.getsockname()[1])
    return None


def _when_loaded(app: DesktopApp, on_ready: Callable[[DesktopApp], None] | None) -> None:
    window = app.window
    loaded = window.events.loaded.wait(SERVER_START_DEFER_LIMIT_SECONDS)  # type: ignore[attr-defined]
    try:
        app.server.start(wait=False)
    except ServerStartError:  # the window was closed first
        return
    if not loaded and not window.events.loaded.wait(60):  # type: ignore[attr-defined]
        log.warning("the window did not load the UI within 60 s")
        return
    log.info("UI loaded %.2f s after start", time.monotonic() - app.started_at)
    if on_ready is not None:
        on_ready(app)


def _bring_forward(window: Window) -> None:
    window.show()
    window.restore()  # Qt: un-minimize, raise and activate


def _close_window_on(signum: signal.Signals, window: Window) -> None:
    def close(received: int, _frame: object) -> None:
        log.info("%s: closing the window", signal.Signals(received).name)
        # destroy() waits for the GUI thread; never block inside a signal handler.
        threading.Thread(target=window.destroy, name="lanchat-close", daemon=True).start()

    signal.signal(signum, close)
