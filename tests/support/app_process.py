"""The real desktop app in a subprocess (one webview.start() per process), driven over stdin/stdout."""

from __future__ import annotations

import functools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

__all__ = [
    "REPO_ROOT",
    "AppProcess",
    "LanchatProcess",
    "app_environment",
    "webengine_problem",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).resolve().parent / "app_driver.py"
START_TIMEOUT_SECONDS = 60  # a cold first start of Qt WebEngine can take several seconds


@functools.cache
def webengine_problem() -> str | None:
    """Why Qt WebEngine cannot run here, or None. Checked in a subprocess: a missing system library
    can kill the importing process."""
    probe = subprocess.run(
        [sys.executable, "-c", "from PyQt6 import QtWebEngineWidgets; import webview"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode != 0:
        return f"Qt WebEngine or pywebview is not importable: {probe.stderr.strip().splitlines()[-1:]}"
    return None


def app_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Offscreen Qt, and nothing of the developer's session: no display, no D-Bus, caches in tmp."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_RUNTIME_DIR=str(tmp_path / "runtime"),
        PYTHONUNBUFFERED="1",
        LANG="en_US.UTF-8",  # the UI follows the system language; tests find controls by English labels
        LANGUAGE="en",
    )
    (tmp_path / "runtime").mkdir(mode=0o700, exist_ok=True)
    env.update(overrides)
    return env


class AppProcess:
    """tests/support/app_driver.py: the real app, plus a line protocol to drive its window."""

    def __init__(
        self, data_dir: Path, config_dir: Path, env: dict[str, str], prefix: tuple[str, ...] = ()
    ) -> None:
        self.prefix = prefix  # e.g. ("ip", "netns", "exec", NAME): where the app runs
        self.data_dir = data_dir
        self.config_dir = config_dir
        self.env = env
        self.proc: subprocess.Popen[str] | None = None
        self.ready: dict = {}
        self.stderr_lines: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._next_id = 0

    def start(self) -> AppProcess:
        self.proc = subprocess.Popen(
            [
                *self.prefix,
                sys.executable,
                str(DRIVER),
                "--data",
                str(self.data_dir),
                "--config",
                str(self.config_dir),
            ],
            cwd=REPO_ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._pump, args=(self.proc.stdout, self._lines), daemon=True).start()
        threading.Thread(target=self._collect_stderr, daemon=True).start()
        self.ready = self._read(START_TIMEOUT_SECONDS)
        assert self.ready.get("event") == "ready", self.ready
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def port(self) -> int:
        return self.ready["port"]

    @property
    def stderr(self) -> str:
        return "".join(self.stderr_lines)

    def command(self, op: str, timeout: float = 30, **fields):
        assert self.proc is not None and self.proc.stdin is not None
        self._next_id += 1
        self.proc.stdin.write(json.dumps({"id": self._next_id, "op": op, **fields}) + "\n")
        self.proc.stdin.flush()
        reply = self._read(timeout)
        assert reply.get("id") == self._next_id, reply
        if "error" in reply:
            raise AssertionError(f"{op} failed in the app: {reply['error']}")
        return reply["result"]

    def js(self, code: str):
        return self.command("js", code=code)

    def js_async(self, code: str):
        return self.command("js_async", code=code)

    def api(self, method: str, *args):
        """Call window.pywebview.api.METHOD(...) from the page, as the UI does."""
        return self.js_async(f"window.pywebview.api.{method}({', '.join(json.dumps(arg) for arg in args)})")

    def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the app did not exit within {timeout} s; its log:\n{self.stderr}"
            ) from None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                child.kill()
            self.proc.kill()
            self.proc.wait(10)

    def _read(self, timeout: float) -> dict:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"no answer from the app within {timeout} s; its log:\n{self.stderr}"
            ) from None
        if line is None:
            raise AssertionError(
                f"the app exited (code {self.proc.poll() if self.proc else None}); its log:\n{self.stderr}"
            )
        return json.loads(line)

    @staticmethod
    def _pump(stream, lines: queue.Queue) -> None:
        for line in stream:
            if line.startswith("{"):
                lines.put(line)
        lines.put(None)

    def _collect_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line)


class LanchatProcess:
    """The `lanchat` command itself (python -m desktop ARGS), its output collected as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "desktop", *args],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def finish(self, timeout: float) -> int:
        """Wait for the process to exit and for its last output to be read; its exit code."""
        code = self.proc.wait(timeout)
        self._reader.join(timeout)  # the pipe's last lines may still be on their way
        return code

    def wait_for_output(self, text: str, timeout: float = START_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.proc.poll() is not None and not self._reader.is_alive():
                raise AssertionError(
                    f"lanchat exited ({self.proc.returncode}) before printing {text!r}:\n{self.output}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"lanchat did not print {text!r} within {timeout} s:\n{self.output}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc.poll() is None:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                child.kill()
            self.proc.kill()
            self.proc.wait(10)

    def _collect(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
