"""`lanchat serve` as a real process on loopback, for tests and benchmarks.

Its output is read on a thread the whole time, so a chatty server never blocks on a full pipe
and the log is there to show when a test fails. A stopped server starts again on the same port
and data folder, as a restart would.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["FROM_SOURCE", "FROZEN_APP", "REPO_ROOT", "ServeProcess", "serve_processes"]

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVING = re.compile(r"lanchat is serving at (https?://\S+?)/?$")
START_TIMEOUT = 20.0


# `lanchat serve` from this checkout; the frozen app's tests pass [dist/lanchat/lanchat, "serve"].
FROM_SOURCE = (sys.executable, "-m", "server")
# The frozen one-folder app `make app` builds.
FROZEN_APP = REPO_ROOT / "dist" / "lanchat" / "lanchat"


class ServeProcess:
    def __init__(
        self,
        data_dir: Path,
        port: int = 0,
        extra_args: tuple[str, ...] = (),
        command: tuple[str, ...] = FROM_SOURCE,
    ) -> None:
        self.command = command
        self.data_dir = data_dir
        self.port = port  # 0 until the first start picks one; kept for restarts
        self.extra_args = extra_args
        self.process: subprocess.Popen[str] | None = None
        self.url = ""  # http://127.0.0.1:PORT/
        self.output: list[str] = []

    @property
    def host(self) -> str:
        """host:port, as a person types it into the join form."""
        return self.url.removeprefix("http://").rstrip("/")

    @property
    def ws_base(self) -> str:
        return "ws://" + self.host

    def start(self, timeout: float = START_TIMEOUT) -> ServeProcess:
        serving = self.spawn()
        if not serving.wait(timeout):
            self.stop(signal.SIGKILL)
            raise RuntimeError("lanchat serve did not start:\n" + "\n".join(self.output))
        self.port = int(self.host.rsplit(":", 1)[1])
        return self

    def spawn(self) -> threading.Event:
        """Start the process without waiting for it; the event is set once it says it serves."""
        command = [*self.command, "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--data", str(self.data_dir), *self.extra_args]
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        serving = threading.Event()

        def read(stream) -> None:
            for line in stream:
                self.output.append(line.rstrip())
                match = SERVING.search(line.strip())
                if match and not serving.is_set():
                    self.url = match.group(1) + "/"
                    serving.set()

        threading.Thread(target=read, args=(self.process.stdout,), daemon=True).start()
        return serving

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int | None:
        """Send `sig` (SIGTERM, as a service manager would) and wait; the exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(sig)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait(5)


@contextmanager
def serve_processes(new_data_dir: Callable[[], Path]) -> Iterator[Callable[..., ServeProcess]]:
    """A `start(port=0, data_dir=None, extra_args=())` that starts `lanchat serve` (on
    `new_data_dir()` unless given a folder); every process it started is killed when the block ends."""
    started: list[ServeProcess] = []

    def start(port: int = 0, data_dir: Path | None = None, extra_args: tuple[str, ...] = ()) -> ServeProcess:
        process = ServeProcess(data_dir or new_data_dir(), port, extra_args).start()
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop(signal.SIGKILL)
