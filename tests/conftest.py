"""Shared test wiring: a skip is a failure under CI, and a real `lanchat serve` process on loopback."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # On a user's machine a test may skip for lack of a browser or display; in CI the
    # machine is set up for everything, so a skip means something is broken.
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI, which must run every test: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    # The same for a whole module skipped at import (pytest.importorskip at the top).
    if os.environ.get("CI") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, which must run every test: {report.longrepr}"


_SERVING = re.compile(r"serving at (http://[^\s]+)")


class ServeProcess:
    """`lanchat serve` in a subprocess, on loopback."""

    def __init__(self, data_dir: Path, port: int = 0, extra_args: tuple[str, ...] = ()) -> None:
        self.data_dir = data_dir
        self.requested_port = port
        self.extra_args = extra_args
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.output: list[str] = []

    @property
    def port(self) -> int:
        return int(self.url.rstrip("/").rsplit(":", 1)[1])

    @property
    def ws_base(self) -> str:
        return self.url.replace("http://", "ws://").rstrip("/")

    def start(self, timeout: float = 20.0) -> "ServeProcess":
        args = [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(self.requested_port)]
        args += ["--data", str(self.data_dir), *self.extra_args]
        self.proc = subprocess.Popen(
            args, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            match = _SERVING.search(line)
            if match:
                self.url = match.group(1)
                return self
        self.proc.kill()
        raise RuntimeError("lanchat serve did not start:\n" + "".join(self.output))

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        self.output.append(out or "")
        return self.proc.returncode


@pytest.fixture
def serve_process(tmp_path):
    """Start `lanchat serve` processes; each is stopped at the end of the test."""
    started: list[ServeProcess] = []

    def start(port: int = 0, data_dir: Path | None = None, extra_args: tuple[str, ...] = ()) -> ServeProcess:
        process = ServeProcess(data_dir or tmp_path / "data", port, extra_args).start()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.proc is not None and process.proc.poll() is None:
            process.stop(signal.SIGKILL)
