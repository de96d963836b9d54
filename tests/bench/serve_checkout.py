"""`lanchat serve` from this checkout or from an older commit, for before/after benchmarks.

An older commit is checked out in a temporary git worktree and run with this checkout's venv
(`python -m server` with that worktree as the current directory, so its `server` package is the
one imported). The server starts with the usual soft open-file limit (1,024), as from a login
shell, whatever the benchmark raised its own to.
"""

from __future__ import annotations

import contextlib
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

__all__ = ["REPO_ROOT", "Serve", "health_probe", "raise_own_file_limit", "temporary_checkout"]

REPO_ROOT = Path(__file__).resolve().parents[2]
USUAL_SOFT_NOFILE = 1024
# The benchmark's other client: the server sees it as an address other than the flood's.
OTHER_CLIENT = "127.0.0.2"
SERVING = re.compile(r"serving at https?://[^:]+:(\d+)")
# Printed last when it started (by every version), after the host identity of one that speaks TLS.
STARTED = "press Ctrl+C to stop"
SPEAKS_TLS = "host identity (safety code):"


def raise_own_file_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@contextlib.contextmanager
def temporary_checkout(revision: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="lanchat-before-"))
    target = folder / "checkout"
    subprocess.run(
        ["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", str(target), revision],
        check=True,
        capture_output=True,
    )
    try:
        yield target
    finally:
        subprocess.run(
            ["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(target)], capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


def _usual_file_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(USUAL_SOFT_NOFILE, hard), hard))


class Serve:
    """One `lanchat serve --port 0` process, stopped on exit."""

    def __init__(
        self, checkout: Path, label: str, *, host: str = "127.0.0.1", prefix: tuple[str, ...] = ()
    ) -> None:
        self.checkout = checkout
        self.label = label
        self.host = host
        self.prefix = prefix  # e.g. ("ip", "netns", "exec", NS): where the process runs
        self.data = Path(tempfile.mkdtemp(prefix="lanchat-bench-data-"))
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self._tls_said = False
        self._settled = threading.Event()  # all its start-up lines are out
        self.output: list[str] = []

    def __enter__(self) -> Serve:
        command = [*self.prefix, sys.executable, "-m", "server", "--host", self.host, "--port", "0"]
        self.process = subprocess.Popen(
            [*command, "--data", str(self.data)],
            cwd=self.checkout,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=_usual_file_limit,
        )
        started = threading.Event()

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line.rstrip())
                match = SERVING.search(line)
                if match and not started.is_set():
                    self.port = int(match.group(1))
                    started.set()
                self._tls_said = self._tls_said or line.startswith(SPEAKS_TLS)
                if line.startswith(STARTED):
                    self._settled.set()

        threading.Thread(target=read, daemon=True).start()
        if not started.wait(20):
            self.__exit__()
            raise RuntimeError(f"{self.label} did not start:\n" + "\n".join(self.output))
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
        shutil.rmtree(self.data, ignore_errors=True)

    @property
    def speaks_tls(self) -> bool:
        """A version since hosts speak TLS to the network (wss://, https://), as it said starting."""
        if not self._settled.wait(20):
            raise RuntimeError(f"{self.label} did not finish starting:\n" + "\n".join(self.output))
        return self._tls_said

    def rss_mib(self) -> float:
        assert self.process is not None
        return float(psutil.Process(self.process.pid).memory_info().rss) / 2**20


def health_probe(port: int, timeout: float = 5.0) -> float | None:
    """Seconds for GET /api/health from another loopback address to answer 200; None for no answer."""
    started = time.monotonic()
    try:
        with socket.create_connection(
            ("127.0.0.1", port), timeout=timeout, source_address=(OTHER_CLIENT, 0)
        ) as sock:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
    except OSError:
        return None
    if not answer.startswith(b"HTTP/1.1 200"):
        return None
    return time.monotonic() - started
