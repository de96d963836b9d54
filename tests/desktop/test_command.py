"""The `lanchat` command: help, signals, a second launch, no display, and a real screenshot under Xvfb."""

from __future__ import annotations

import shutil
import signal
import socket
import stat
import subprocess
import sys
import time

import psutil
import pytest

from tests.support.app_process import REPO_ROOT, AppProcess, LanchatProcess, app_environment
from tests.support.screenshots import screen_shot, virtual_screen

pytestmark = pytest.mark.process


def test_help_documents_every_flag():
    shown = subprocess.run(
        [sys.executable, "-m", "desktop", "--help"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30
    )

    assert shown.returncode == 0
    for flag in (
        "--data DIR",
        "--config DIR",
        "--debug",
        "--verbose",
        "--version",
        "--no-discovery",
        "serve",
    ):
        assert flag in shown.stdout


@pytest.mark.serial
@pytest.mark.window
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_closes_the_app_cleanly_within_2_seconds(tmp_path, sig):
    app = LanchatProcess(
        ["--verbose", "--data", str(tmp_path / "data"), "--config", str(tmp_path / "config")],
        app_environment(tmp_path),
    )
    try:
        app.wait_for_output("UI loaded")
        tree = [psutil.Process(app.proc.pid), *psutil.Process(app.proc.pid).children(recursive=True)]

        began = time.monotonic()
        app.proc.send_signal(sig)
        code = app.proc.wait(10)
        took = time.monotonic() - began

        assert code == 0, app.output
        assert took < 2.0, f"took {took:.2f} s"
        assert "closed in order" in app.output
        time.sleep(0.2)
        assert [p.pid for p in tree if _alive(p)] == []
    finally:
        app.kill()


@pytest.mark.window
def test_a_second_launch_brings_the_first_window_forward_and_exits_0(tmp_path):
    args = ["--verbose", "--data", str(tmp_path / "data"), "--config", str(tmp_path / "config")]
    env = app_environment(tmp_path)
    first = LanchatProcess(args, env)
    try:
        first.wait_for_output("UI loaded")

        second = LanchatProcess(args, env)
        code = second.finish(30)

        assert code == 0, second.output
        assert "already running" in second.output
        first.wait_for_output("a second launch asked for the window", timeout=5)
        assert first.proc.poll() is None, "the first instance keeps running"
        first.proc.send_signal(signal.SIGTERM)
        assert first.proc.wait(10) == 0
    finally:
        first.kill()


def test_without_a_display_lanchat_runs_the_server_and_prints_its_address(tmp_path):
    env = {key: value for key, value in app_environment(tmp_path).items() if key not in ("QT_QPA_PLATFORM",)}
    default_port_free = _can_listen(8765)
    app = LanchatProcess(["--data", str(tmp_path / "data")], env)
    try:
        app.wait_for_output("no display")
        if default_port_free:
            app.wait_for_output("serving at http://127.0.0.1:8765/")
            app.proc.send_signal(signal.SIGINT)
            assert app.finish(10) == 0
        else:  # something else on this machine holds lanchat's default port
            assert app.finish(10) == 1
            assert "cannot listen on 127.0.0.1:8765" in app.output
        assert "running `lanchat serve` instead" in app.output
        assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700, "the window's data stays private"
    finally:
        app.kill()


@pytest.mark.window
def test_window_under_xvfb_renders_and_is_saved_as_a_screenshot(tmp_path):
    if shutil.which("Xvfb") is None or shutil.which("import") is None:
        pytest.skip("needs Xvfb and ImageMagick's import")
    with virtual_screen() as display:
        env = app_environment(tmp_path, DISPLAY=display)
        env.pop("QT_QPA_PLATFORM")
        app = AppProcess(tmp_path / "data", tmp_path / "config", env).start()
        try:
            app.api("set_unread", 2)
            time.sleep(1.0)  # let the compositor-less X server get the first frames
            shot = screen_shot(display, "desktop-window")

            colours = subprocess.run(
                ["identify", "-format", "%k", str(shot)],
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            ).stdout
            assert int(colours) > 2, "the screenshot is blank"
            app.command("close")
            assert app.wait_exit(10) == 0
        finally:
            app.kill()


def _can_listen(port: int) -> bool:
    try:
        with socket.create_server(("127.0.0.1", port)):
            return True
    except OSError:
        return False


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
