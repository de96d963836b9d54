"""Run the app under uvicorn in a background thread: for `lanchat serve` and the desktop window alike."""

from __future__ import annotations

import contextlib
import errno
import gc
import logging
import socket
import threading
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from server.addresses import is_loopback_host, is_unspecified_host
from server.config import ServerConfig
from server.protocol.limits import TRANSPORT_MAX_FRAME_BYTES
from server.runtime.fd_limit import raise_open_file_limit
from server.runtime.host_tls import serving_identity
from server.runtime.preflight import check_data_folder
from server.runtime.runner_errors import DataFolderProblem, PortTakenError, ServerStartError

if TYPE_CHECKING:
    import asyncio
    import concurrent.futures

    import uvicorn

    from server.tls.pins import PinStore
    from server.web.app import LanchatApp

__all__ = [
    "YOUNG_COLLECTION_THRESHOLD",
    "HostingListener",
    "PortTakenError",
    "ServerStartError",
    "ServerThread",
    "settle_collector",
    "uvicorn_config",
]

log = logging.getLogger("lanchat.server")
T = TypeVar("T")

# How long shutdown waits for open connections before closing them.
GRACEFUL_SHUTDOWN_SECONDS = 1
STARTUP_TIMEOUT_SECONDS = 15.0


# A request's line and headers together: a browser's are a few KiB. httptools (uvicorn's default)
# buffers them without any limit, so one peer's 64 MiB header stalled every room; h11 refuses
# what passes this with a 400 and closes.
MAX_REQUEST_HEAD_BYTES = 64 * 1024


# A young collection once this many more container objects were made than freed (Python's
# default: 700). A server's requests and messages make short-lived objects that mostly die by
# reference counting; collected every 700, many were caught alive, moved to the older generations
# and counted towards the next full collection. Measured in a paced room of 100 (four 10 s rounds,
# docs/benchmarks.md): a third as many young collections, each still about 0.1 ms of CPU, and no
# full collection during the rounds (one with 700).
YOUNG_COLLECTION_THRESHOLD = 10_000


def settle_collector() -> None:
    """Once the app serves: what start-up made (modules, FastAPI's routes, the store) goes out of
    the cyclic collector's sight for good (gc.freeze), so a full collection walks only what
    serving made since. Before, one took about 50 ms of CPU on the event loop (some 80,000 objects,
    most of them start-up's, looked at again), a whole message's deliveries late each time."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, oldest)


def uvicorn_config(
    app: LanchatApp, config: ServerConfig, *, lifespan: Literal["on", "off"]
) -> uvicorn.Config:
    """How every listener of `app` serves it; `lifespan` is on for the one that starts the app."""
    import uvicorn

    from server.runtime.client_fault_log import install_client_fault_filter
    from server.runtime.front_door import front_door
    from server.runtime.http_guard import guarded_protocol
    from server.web.wire_protocol import WireWebSocketProtocol

    state = app.state
    uvicorn_settings = uvicorn.Config(
        app,
        lifespan=lifespan,
        log_level="warning",
        # uvicorn's h11 protocol, with a per-address connection cap and a header deadline, behind
        # the door that serves TLS to the network and plain HTTP to this machine.
        http=front_door(
            guarded_protocol(app.clients, config.request_head_timeout, config.upload_idle_timeout),
            lambda: state.tls,
            plain_from_network=config.allow_plain_http,
            head_timeout=config.request_head_timeout,
            clients=app.clients,
        ),
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
        # uvicorn's own (websockets sans-I/O), plus a writer for whole frames: see wire_protocol.py.
        ws=WireWebSocketProtocol,
        ws_max_size=TRANSPORT_MAX_FRAME_BYTES,
        ws_ping_interval=config.ping_interval,
        ws_ping_timeout=config.ping_timeout,
        # Chat frames are small: compressing them costs CPU and a zlib context per
        # connection for little gain on a LAN.
        ws_per_message_deflate=False,
        # Peers connect directly: trusting X-Forwarded-* from anyone would let a local page spoof
        # its address, and the middleware costs every idle member a frame on its stack. Only a
        # cluster's node behind a proxy it names (--trusted-proxy) reads them, from that proxy.
        proxy_headers=bool(config.trusted_proxies),
        forwarded_allow_ips=list(config.trusted_proxies) or None,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    install_client_fault_filter()  # after the Config: making one configures uvicorn's loggers
    return uvicorn_settings


class HostingListener:
    """One more socket for an app already served (hosting on the network): a second uvicorn.Server
    run as a task on the first one's event loop. The app and its state (rooms, members, history)
    are shared, and stopping it closes only its own socket and connections. Lifespan is off for it
    because the first server already started the app."""

    def __init__(self, app: LanchatApp, config: ServerConfig, loop: asyncio.AbstractEventLoop) -> None:
        self._app = app
        self._config = config
        self._loop = loop
        self._server: uvicorn.Server | None = None
        self._task: concurrent.futures.Future[None] | None = None
        self.port: int | None = None  # once it listens

    def start(self, host: str, port: int) -> int:
        """Listen on host:port and serve; returns the port once connections are answered.

        Raises PortTakenError when the port is in use, ServerStartError for other failures."""
        # The certificate names the addresses the host has now (a laptop moves between networks);
        # the key, and so what peers pinned, stays.
        self._app.state.tls = serving_identity(self._config)
        try:
            sock = _bind(host, port)
        except OSError as exc:
            reason = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            if exc.errno == errno.EADDRINUSE:
                raise PortTakenError(reason) from exc
            raise ServerStartError(reason) from exc
        # Imported here, as uvicorn is on the server thread: the desktop window's start-up does
        # not wait for asyncio.
        import asyncio

        import uvicorn

        server = uvicorn.Server(uvicorn_config(self._app, self._config, lifespan="off"))
        self._server = server
        self._task = asyncio.run_coroutine_threadsafe(_serve_then_close(server, sock), self._loop)
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not server.started:
            if self._task.done():
                raise ServerStartError(f"the listener stopped while starting: {self._task.exception()!r}")
            if time.monotonic() > deadline:
                server.should_exit = True
                raise ServerStartError("the listener did not start in time")
            time.sleep(0.01)
        self.port = int(sock.getsockname()[1])
        return self.port

    def stop(self, timeout: float = 5.0) -> None:
        """Close the socket and this listener's connections; wait up to `timeout` for it."""
        server, task = self._server, self._task
        if server is None or task is None:
            return
        server.should_exit = True
        import concurrent.futures

        # the loop is gone or slow; the process is stopping anyway
        with contextlib.suppress(concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
            task.result(timeout)


class ServerThread:
    """A uvicorn server on its own thread. Off the main thread uvicorn installs no signal handlers,
    so whoever owns the main thread decides when to stop."""

    def __init__(self, config: ServerConfig, pins: PinStore | None = None) -> None:
        self.config = config
        # The window's trusted hosts (its gateway's store), for the prober: see Discovery.pins.
        self.pins = pins
        self._server: uvicorn.Server | None = None
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None
        self._error: BaseException | None = None
        self._stop_lock = threading.Lock()
        self._stop_requested = False
        self._app: LanchatApp | None = None
        # At most one hosting listener; the lock keeps a start and a stop from crossing.
        self._listener: HostingListener | None = None
        self._listener_lock = threading.Lock()
        self._collector_settled = False  # settle_collector() runs once, when it first serves

    @property
    def url(self) -> str:
        host = self.config.host
        shown = "127.0.0.1" if is_unspecified_host(host) else host
        # The front door serves plain HTTP to this machine only: any other address is https.
        scheme = "http" if is_loopback_host(shown) else "https"
        if ":" in shown:
            shown = f"[{shown}]"
        return f"{scheme}://{shown}:{self.port}/"

    def bind(self) -> None:
        """Listen on the configured address now, serve later (`start`): the port is known at once,
        and connections made meanwhile wait in the socket's backlog rather than fail."""
        if self._socket is not None:
            return
        port = self.port or self.config.port  # a restart listens where it listened before
        try:
            self._socket = _bind(self.config.host, port)
        except OSError as exc:
            raise ServerStartError(
                f"cannot listen on {self.config.host}:{self.config.port}: {exc.strerror or exc}"
            ) from exc
        self.port = self._socket.getsockname()[1]

    def start(self, wait: bool = True) -> None:
        """Bind (unless `bind` already did), then serve on the server thread; with `wait`, return
        once requests are answered. Starting a started server only waits."""
        raise_open_file_limit()  # before any connection: see fd_limit.py
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

    @property
    def problem(self) -> DataFolderProblem | None:
        """Why the server stopped while starting, when its data folder was the reason."""
        return self._error if isinstance(self._error, DataFolderProblem) else None

    def restart_after_problem(self) -> None:
        """Start again after a DataFolderProblem (once the person dealt with the file): same port."""
        with self._stop_lock:
            if self._thread is None or self._thread.is_alive() or self._stop_requested:
                return
            self._thread, self._server, self._error, self._socket = None, None, None, None
        self.start(wait=False)

    def wait_started(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while self._server is None or not self._server.started:
            if self._thread is None or not self._thread.is_alive():
                if isinstance(self._error, ServerStartError):
                    raise self._error  # its message is the sentence to show
                raise ServerStartError(f"the server stopped while starting: {self._error!r}")
            if time.monotonic() > deadline:
                raise ServerStartError("the server did not start in time")
            time.sleep(0.01)
        if not self._collector_settled:
            self._collector_settled = True
            settle_collector()

    def _run(self, sock: socket.socket) -> None:
        try:
            # Imported here, on the server thread: FastAPI and uvicorn take a few tenths of a
            # second to import, and whoever started the thread goes on meanwhile.
            import uvicorn

            from server.web.app import create_app

            check_data_folder(self.config)
            identity = serving_identity(self.config)
            app = create_app(self.config)
            app.state.tls = identity
            app.discovery.pins = self.pins
            server = uvicorn.Server(uvicorn_config(app, self.config, lifespan="on"))
            with self._stop_lock:
                if self._stop_requested:
                    return
                self._server = server
                self._app = app
            server.run(sockets=[sock])
        except DataFolderProblem as exc:  # said once, in full, by whoever waits
            self._error = exc
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

    def run_on_loop(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run `coro` on the server's event loop (where discovery lives) and wait for its result."""
        import asyncio

        app = self._app
        if app is None or app.loop is None or not self.running:
            coro.close()
            raise ServerStartError("the server is not running")
        return asyncio.run_coroutine_threadsafe(coro, app.loop).result(timeout)

    def submit_on_loop(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start `coro` on the server's event loop without waiting for it."""
        import asyncio

        app = self._app
        if app is None or app.loop is None or not self.running:
            coro.close()
            raise ServerStartError("the server is not running")
        return asyncio.run_coroutine_threadsafe(coro, app.loop)

    @property
    def app(self) -> LanchatApp | None:
        """The app, once the server thread made it."""
        return self._app

    @property
    def listener_port(self) -> int | None:
        """The port of the hosting listener, or None when there is none."""
        listener = self._listener
        return None if listener is None else listener.port

    def start_listener(self, host: str, port: int) -> int:
        """Also accept connections on host:port (0.0.0.0 hosts on the network); returns the port.

        Raises PortTakenError when the port is in use, ServerStartError for other failures. Stop a
        running hosting listener first: there is at most one.
        """
        if self.running:
            self.wait_started()  # it may still be starting: the window opens before it does
        with self._listener_lock:
            app = self._app
            if app is None or app.loop is None or not self.running:
                raise ServerStartError("the server is not running")
            if self._listener is not None:
                raise ServerStartError("a hosting listener is already running")
            listener = HostingListener(app, self.config, app.loop)
            listening_on = listener.start(host, port)
            self._listener = listener
            return listening_on

    def stop_listener(self, timeout: float = 5.0) -> None:
        """Close the hosting listener and its connections; the main listener keeps serving."""
        with self._listener_lock:
            listener, self._listener = self._listener, None
            if listener is not None:
                listener.stop(timeout)


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
