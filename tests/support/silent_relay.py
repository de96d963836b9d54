"""A TCP relay on loopback that a test can make go silent: it stops passing bytes either way but
keeps every connection open and goes on accepting new ones, so the far side looks like a database
that hangs while its machine's kernel still acknowledges (nothing refuses, nothing answers). When
it `resume`s, the bytes held meanwhile go through and the connections carry on.

Threads, not asyncio: the test's own event loop may be the thing under test.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading

__all__ = ["SilentRelay"]

_POLL_SECONDS = 0.05


class SilentRelay:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="silent-relay", daemon=True).start()

    def url_for(self, url: str) -> str:
        """`url` (postgresql://user@host:port/db) through this relay."""
        head, _, rest = url.partition("@")
        _, _, database = rest.partition("/")
        return f"{head}@127.0.0.1:{self.port}/{database}"

    def go_silent(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def close(self) -> None:
        self._closed.set()
        self._flowing.set()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def __enter__(self) -> SilentRelay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            # While silent, a new connection is accepted (the kernel would anyway) and left waiting.
            threading.Thread(target=self._open, args=(client,), daemon=True).start()

    def _open(self, client: socket.socket) -> None:
        self._flowing.wait()
        if self._closed.is_set():
            client.close()
            return
        try:
            upstream = socket.create_connection(self._target)
        except OSError:
            client.close()
            return
        with self._lock:
            self._sockets += [client, upstream]
        threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
        self._pump(upstream, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while not self._closed.is_set():
                self._flowing.wait()
                readable, _, _ = select.select([source], [], [], _POLL_SECONDS)
                if not readable or not self._flowing.is_set():
                    continue
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except (OSError, ValueError):
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
