"""Driving lanchat in a browser: the real server process and what a person does on a page.

Used by the e2e tests' fixtures and by tests/bench/ui_render.py.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI_INDEX = ROOT / "ui" / "dist" / "index.html"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("LANCHAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVING = re.compile(r"lanchat is serving at (http://\S+?)/?$")
START_TIMEOUT = 20.0


@dataclass
class LanchatServer:
    """One `python -m server` process on loopback, stoppable and restartable on the same port and data."""

    data_dir: Path
    port: int = 0
    process: subprocess.Popen | None = None
    url: str = ""
    output: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return self.url.removeprefix("http://").rstrip("/")

    def start(self) -> None:
        command = [sys.executable, "-m", "server", "--port", str(self.port), "--data", str(self.data_dir)]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        found = threading.Event()

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line.rstrip())
                match = SERVING.search(line.strip())
                if match and not found.is_set():
                    self.url = match.group(1) + "/"
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(START_TIMEOUT):
            self.stop()
            raise RuntimeError("lanchat did not start:\n" + "\n".join(self.output))
        self.port = int(self.url.rstrip("/").rsplit(":", 1)[1])

    def stop(self) -> None:
        """SIGTERM, as a service manager would, and wait for a clean exit."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def join_room(page, url: str, name: str, room: str) -> None:
    """The first screen: type a name and a room, press Join, wait until the room shows."""
    page.goto(url)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Room", exact=True).first.fill(room)
    page.get_by_role("button", name="Join", exact=True).first.click()
    page.get_by_role("log").wait_for()
    wait_connected(page)


def wait_connected(page, timeout: float = 15_000) -> None:
    page.locator('[data-testid="connection-status"][data-status="connected"]').wait_for(timeout=timeout)


def send_message(page, text: str) -> None:
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def message_texts(page) -> list[str]:
    return page.locator('[data-testid="message"] [data-testid="text"]').all_inner_texts()
