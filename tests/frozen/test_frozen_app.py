"""The frozen one-folder app (dist/lanchat, built by `make app`), run as a user would run it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import websockets

from server.tls.contexts import client_context
from server.tls.safety_code import SAFETY_CODE_DIGITS
from tests.support.netns import chat, fetch_json, in_namespace, network, wait_for
from tests.support.server_process import FROZEN_APP, ServeProcess

APP = FROZEN_APP
APP_DIR = APP.parent

pytestmark = pytest.mark.skipif(
    not APP.exists(), reason=f"{APP} is not built: run `make app` (make test builds it)"
)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def untouched_app_folder():
    """Every test in this module runs the app; none of them may change its folder."""
    before = snapshot(APP_DIR)
    yield
    after = snapshot(APP_DIR)
    added = sorted(after.keys() - before.keys())
    changed = sorted(name for name in before.keys() & after.keys() if before[name] != after[name])
    assert not added and not changed, f"the frozen app wrote into its own folder: {added[:5]} {changed[:5]}"


def test_frozen_serve_answers_health_and_carries_a_seed_message(tmp_path, untouched_app_folder):
    server = ServeProcess(tmp_path / "data", command=(str(APP), "serve")).start(timeout=60)
    url = server.url.rstrip("/")
    try:
        with urllib.request.urlopen(url + "/api/health", timeout=10) as response:
            assert json.load(response)["status"] == "ok"
        with urllib.request.urlopen(url + "/", timeout=10) as response:
            page = response.read().decode()
        # The built UI is inside the bundle, not the placeholder for an unbuilt checkout.
        assert "/assets/" in page and "has not been built" not in page

        async def chat():
            ws_url = url.replace("http://", "ws://") + "/ws/general"
            async with websockets.connect(ws_url) as a, websockets.connect(ws_url) as b:
                await a.send(json.dumps({"text": "из замороженного", "sender": "Аня", "room": "general"}))
                frame = json.loads(await asyncio.wait_for(b.recv(), 10))
                assert (frame["text"], frame["sender"], frame["room"]) == (
                    "из замороженного",
                    "Аня",
                    "general",
                )
                assert isinstance(frame["timestamp"], float)

        asyncio.run(chat())

        # The same port speaks TLS with the host's identity (cryptography is in the bundle).
        https = url.replace("http://", "https://")
        pinless = client_context()
        with urllib.request.urlopen(https + "/api/identity", timeout=10, context=pinless) as response:
            identity = json.load(response)
        assert len(identity["safety_code"].replace(" ", "")) == SAFETY_CODE_DIGITS

        async def chat_over_tls():
            wss = https.replace("https://", "wss://") + "/ws/general"
            async with websockets.connect(wss, ssl=client_context()) as a:
                await a.send(json.dumps({"text": "зашифровано", "sender": "Аня", "room": "general"}))
                while json.loads(await asyncio.wait_for(a.recv(), 10)).get("text") != "зашифровано":
                    pass

        asyncio.run(chat_over_tls())
    finally:
        assert server.stop(timeout=15) == 0


def test_frozen_window_opens_the_ui_offscreen_and_exits_0_when_closed(tmp_path, untouched_app_folder):
    pytest.importorskip("PyQt6.QtWebEngineWidgets", reason="Qt WebEngine is not installed")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [str(APP), "--verbose", "--data", str(tmp_path / "data"), "--config", str(tmp_path / "config")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "UI loaded" in line:
                break
        assert any("UI loaded" in line for line in lines), "".join(lines)
        # SIGTERM closes the window exactly as the user closing it does (window.destroy()).
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
        assert proc.returncode == 0, "".join(lines) + out
        assert "closed in order" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.netns
def test_frozen_serve_announces_and_a_frozen_browser_finds_it_across_namespaces(
    tmp_path, untouched_app_folder
):
    # zeroconf imports parts of itself from compiled modules; build.spec names them for PyInstaller.
    with network() as net:
        host_ns, browser_ns = net.namespace("h"), net.namespace("b")
        net.link(host_ns, "10.213.0.1", browser_ns, "10.213.0.2", 24)
        frozen = (str(APP), "serve")
        host = ServeProcess(
            tmp_path / "host",
            extra_args=("--host", "0.0.0.0", "--announce", "--name", "Frozen host"),
            command=in_namespace(host_ns, frozen),
        ).start(timeout=60)
        browser = ServeProcess(
            tmp_path / "browser",
            extra_args=("--host", "0.0.0.0", "--browse"),
            command=in_namespace(browser_ns, frozen),
        ).start(timeout=60)
        try:
            wait_for(
                lambda: any(line.startswith("announcing as Frozen host") for line in host.output),
                20,
                f"the frozen host announces: {host.output}",
            )

            def listed():
                hosts = fetch_json(browser_ns, f"http://127.0.0.1:{browser.port}/api/discovered")["hosts"]
                return [h for h in hosts if h["name"] == "Frozen host"]

            found = wait_for(listed, 20, "the frozen browser lists the frozen host")[0]
            assert (found["address"], found["port"]) == ("10.213.0.1", host.port)
            assert chat(browser_ns, found["address"], found["port"], "general", "найден")["text"] == "найден"
            assert host.stop(signal.SIGTERM, timeout=15) == 0
            wait_for(lambda: not listed(), 5, "the frozen host's goodbye removes it")
        finally:
            host.stop(signal.SIGKILL)
            browser.stop(signal.SIGKILL)
