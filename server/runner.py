"""Run the app under uvicorn in a background thread: for `lanchat serve` and the desktop window alike."""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
import time
from typing import TYPE_CHECKING, ClassVar

from .config import ServerConfig
from .protocol import TRANSPORT_MAX_FRAME_BYTES

if TYPE_CHECKING:
    import concurrent.futures

    import uvicorn

__all__ = ["PortTakenError", "ServerStartError", "ServerThread"]

log = logging.getLogger("lanchat.server")

# How long shutdown waits for open connections before closing them.
GRACEFUL_SHUTDOWN_SECONDS = 1
STARTUP_TIMEOUT_SECONDS = 15.0


class ServerStartError(RuntimeError):
    """The server could not start listening (port taken, address not available, ...)."""


class PortTakenError(ServerStartError):
    """Another program (or another lanchat) already listens on that port."""


class ServerThread:
    """A uvicorn server on its own thread. Off the main thread uvicorn installs no signal handlers,
    so whoever owns the main thread decides when to stop."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._server: uvicorn.Server | None = None
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None
        self._error: BaseException | None = None
        self._stop_lock = threading.Lock()
        self._stop_requested = False

    @property
    def url(self) -> str:
        host = self.config.host
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{self.port}/"

    def bind(self) -> None:
        """Listen on the configured address now, serve later (`start`): the port is known at once,
        and connections made meanwhile wait in the socket's backlog rather than fail."""
        if self._socket is not None:
            return
        try:
            self._socket = _bind(self.config.host, self.config.port)
        except OSError as exc:
            raise ServerStartError(
                f"cannot listen on {self.config.host}:{self.config.port}: {exc.strerror or exc}"
            ) from exc
        self.port = self._socket.getsockname()[1]

    def start(self, wait: bool = True) -> None:
        """Bind (unless `bind` already did), then serve on the server thread; with `wait`, return
        once requests are answered. Starting a started server only waits."""
        self.bind()
        with self._stop_lock:
            if self._stop_requested:
                raise ServerStartError("the server was stopped before it started")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, args=(self._socket,), name="lanchat-server", daemon=True
                )
                self._thread.start()
        if wait:
            self.wait_started()

    def wait_started(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while self._server is None or not self._server.started:
            if self._thread is None or not self._thread.is_alive():
                raise ServerStartError(f"the server stopped while starting: {self._error!r}")
            if time.monotonic() > deadline:
                raise ServerStartError("the server did not start in time")
            time.sleep(0.01)

    def _run(self, sock: socket.socket) -> None:
        try:
            # Imported here, on the server thread: FastAPI and uvicorn take a few tenths of a
            # second to import, and whoever started the thread goes on meanwhile.
            import uvicorn

            from .app import create_app

            app = create_app(self.config)
            uv_config = uvicorn.Config(
                app,
                log_level="warning",
                ws_max_size=TRANSPORT_MAX_FRAME_BYTES,
                ws_ping_interval=self.config.ping_interval,
                ws_ping_timeout=self.config.ping_timeout,
                # Chat frames are small: compressing them costs CPU and a zlib context per
                # connection for little gain on a LAN.
                ws_per_message_deflate=False,
                # Peers connect directly, never through a reverse proxy: trusting X-Forwarded-*
                # would let a local page spoof its address, and the middleware costs every
                # idle member a frame on its stack.
                proxy_headers=False,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            )
            server = uvicorn.Server(uv_config)
            with self._stop_lock:
                if self._stop_requested:
                    return
                self._server = server
            server.run(sockets=[sock])
        except BaseException as exc:  # raised again by wait_started(), if anyone waits
            self._error = exc
            log.error("the server stopped: %r", exc)
        finally:
            sock.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Close connections, flush the history store and wait for the thread."""
        with self._stop_lock:
            never_started = self._thread is None
            if never_started:
                self._stop_requested = True
        if never_started:
            if self._socket is not None:
                self._socket.close()
            return
        self.stop_listener(timeout)
        with self._stop_lock:
            self._stop_requested = True
            if self._server is not None:
                self._server.should_exit = True
        assert self._thread is not None
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # An extra listener (hosting on the network) is a second uvicorn.Server for the same app, run as
    # a task on this thread's event loop: the app and its state (rooms, members, history) are shared,
    # and stopping it closes only its own socket and connections. Lifespan is off for it because the
    # first server already started the app.
    _listener: uvicorn.Server | None = None
    _listener_task: concurrent.futures.Future[None] | None = None
    _listener_lock: ClassVar[threading.Lock] = threading.Lock()

    @property
    def listener_port(self) -> int | None:
        """The port of the extra listener, or None when there is none."""
        listener = self._listener
        if listener is None or not listener.started:
            return None
        return int(listener.servers[0].sockets[0].getsockname()[1])

    def start_listener(self, host: str, port: int) -> int:
        """Also accept connections on host:port (0.0.0.0 hosts on the network); returns the port.

        Raises PortTakenError when the port is in use, ServerStartError for other failures. Stop a
        running extra listener first: there is at most one.
        """
        if self.running:
            self.wait_started()  # it may still be starting: the window opens before it does
        with self._listener_lock:
            if self._server is None or not self._server.started or not self.running:
                raise ServerStartError("the server is not running")
            if self._listener is not None:
                raise ServerStartError("an extra listener is already running")
            try:
                sock = _bind(host, port)
            except OSError as exc:
                reason = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                if exc.errno == errno.EADDRINUSE:
                    raise PortTakenError(reason) from exc
                raise ServerStartError(reason) from exc
            # Imported here, as uvicorn is on the server thread: the desktop window's start-up
            # does not wait for asyncio.
            import asyncio

            import uvicorn

            main = self._server.config
            listener = uvicorn.Server(
                uvicorn.Config(
                    main.app,
                    lifespan="off",
                    log_level=main.log_level,
                    ws_max_size=main.ws_max_size,
                    ws_ping_interval=main.ws_ping_interval,
                    ws_ping_timeout=main.ws_ping_timeout,
                    ws_per_message_deflate=main.ws_per_message_deflate,
                    proxy_headers=main.proxy_headers,
                    timeout_graceful_shutdown=main.timeout_graceful_shutdown,
                )
            )
            loop = self._server.servers[0].get_loop()
            task = asyncio.run_coroutine_threadsafe(_serve_then_close(listener, sock), loop)
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            while not listener.started:
                if task.done():
                    raise ServerStartError(f"the listener stopped while starting: {task.exception()!r}")
                if time.monotonic() > deadline:
                    listener.should_exit = True
                    raise ServerStartError("the listener did not start in time")
                time.sleep(0.01)
            self._listener, self._listener_task = listener, task
            return int(sock.getsockname()[1])

    def stop_listener(self, timeout: float = 5.0) -> None:
        """Close the extra listener and its connections; the main listener keeps serving."""
        with self._listener_lock:
            listener, task = self._listener, self._listener_task
            self._listener = self._listener_task = None
            if listener is None or task is None:
                return
            listener.should_exit = True
            import concurrent.futures

            # the loop is gone or slow; the process is stopping anyway
            with contextlib.suppress(concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
                task.result(timeout)


async def _serve_then_close(server: uvicorn.Server, sock: socket.socket) -> None:
    try:
        await server.serve(sockets=[sock])
    finally:
        sock.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Not SO_REUSEPORT: a second lanchat on the same port must fail, not share it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(512)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock
