"""The frozen one-folder app (dist/lanchat, built by `make app`), run as a user would run it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import websockets
from websockets.sync.client import connect as connect_sync

from server.tls.contexts import client_context
from server.tls.safety_code import SAFETY_CODE_DIGITS, fingerprint_in_link, safety_code
from tests.support.app_process import app_environment
from tests.support.netns import chat, fetch_json, in_namespace, network, wait_for
from tests.support.ports import free_port
from tests.support.server_process import FROZEN_APP, ServeProcess
from tests.support.window import UI_HELPERS

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


class FrozenPage:
    """The frozen window's page, reached the way a developer inspects it: Qt WebEngine's DevTools
    server (QTWEBENGINE_REMOTE_DEBUGGING, on loopback), whose Runtime.evaluate runs JavaScript in
    the page as the page's own, so `window.pywebview.api` is the frozen app's bridge. The source
    tree's test driver (tests/support/app_driver.py) is no part of the bundle."""

    def __init__(self, devtools_port: int) -> None:
        url = f"http://127.0.0.1:{devtools_port}/json/list"
        self._open = contextlib.ExitStack()

        def our_page() -> str:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    targets = json.load(response)
            except OSError:
                return ""
            pages = [t for t in targets if t["type"] == "page" and t["url"].startswith("http://127.0.0.1:")]
            return pages[0]["webSocketDebuggerUrl"] if pages else ""

        self._url = wait_for(our_page, 30, "the frozen window's page in DevTools")
        self._ids = itertools.count(1)

    def __enter__(self) -> FrozenPage:
        self._socket = self._open.enter_context(connect_sync(self._url))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._open.close()

    def js(self, expression: str, timeout: float = 30):
        """The expression's value (a promise is awaited), as JSON."""
        number = next(self._ids)
        params = {"expression": expression, "awaitPromise": True, "returnByValue": True}
        self._socket.send(json.dumps({"id": number, "method": "Runtime.evaluate", "params": params}))
        while True:
            reply = json.loads(self._socket.recv(timeout))
            if reply.get("id") == number:
                break
        result = reply["result"]
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def until(self, expression: str, timeout: float = 30):
        return wait_for(lambda: self.js(expression), timeout, expression)

    def api(self, method: str, *args: str):
        return self.js(f"window.pywebview.api.{method}({', '.join(json.dumps(arg) for arg in args)})")


def test_frozen_window_joins_a_frozen_host_by_its_link_through_the_pinned_gateway(
    tmp_path, untouched_app_folder
):
    pytest.importorskip("PyQt6.QtWebEngineWidgets", reason="Qt WebEngine is not installed")
    host = ServeProcess(tmp_path / "host", command=(str(APP), "serve")).start(timeout=60)
    address = host.host  # 127.0.0.1:PORT: TLS and plain on one port, the window takes TLS
    https = f"https://{address}"
    with urllib.request.urlopen(https + "/api/identity", timeout=10, context=client_context()) as response:
        identity = json.load(response)
    devtools = free_port()
    env = app_environment(tmp_path, QTWEBENGINE_REMOTE_DEBUGGING=f"127.0.0.1:{devtools}")
    window = subprocess.Popen(
        [str(APP), "--verbose", "--data", str(tmp_path / "data"), "--config", str(tmp_path / "config")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    said: list[str] = []
    loaded = threading.Event()

    def read_output() -> None:  # all of it, so the window never blocks on a full pipe
        assert window.stdout is not None
        for line in window.stdout:
            said.append(line)
            if "UI loaded" in line:
                loaded.set()

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        assert loaded.wait(90), "the frozen window's UI did not load:\n" + "".join(said)
        with FrozenPage(devtools) as page:
            join_by_link(page, address, identity)
    finally:
        if window.poll() is None:
            window.send_signal(signal.SIGTERM)
            try:
                window.wait(15)
            except subprocess.TimeoutExpired:
                window.kill()
                window.wait()
        reader.join(5)
        host.stop(signal.SIGKILL)


def join_by_link(page: FrozenPage, address: str, identity: dict) -> None:
    """What the window does with a join link, in its frozen page: a wrong key is refused, the
    right one pinned, the room joined through the gateway, and a message goes each way."""
    link = f"https://{address}/#fp={identity['fingerprint']}&room=kitchen"
    page.js(UI_HELPERS)

    # A link naming another key: refused before anything is said, and nothing pinned (the right
    # key's open below is still a first contact).
    other_key = hashlib.sha256(b"not this host's key").digest()
    refused = page.api("open_host", address, fingerprint_in_link(other_key))
    assert refused["problem"] == "identity_changed", refused
    assert refused["old_code"] == safety_code(other_key)
    assert refused["new_code"] == identity["safety_code"]
    # Nothing trusted: the window holds the stop until a person compares codes, and shows it.
    assert page.api("host_identity", address) == refused
    stop = "document.querySelector('[data-testid=\"host-identity-stop\"]')"
    page.until(f"{stop} !== null")
    shown = page.js(f"{stop}.innerText")
    assert "This host's identity has changed" in shown
    assert refused["old_code"] in shown and refused["new_code"] in shown
    page.js("document.querySelector('[data-testid=\"host-identity-close\"]').click()")
    page.until(f"{stop} === null")

    # The link's own key: pinned from the first byte, a loopback gateway for the page.
    opened = page.api("open_host", address, identity["fingerprint"])
    assert opened["safety_code"] == identity["safety_code"] and opened["first_contact"], opened
    assert opened["via"].startswith("127.0.0.1:") and opened["via"] != address

    # The page joins by the link as a person does (it calls open_host again with the link's
    # key), then talks to the host only through the gateway.
    page.until("window.__ui.type('Name', 'Anna')")
    assert page.js(f"window.__ui.type('Room', {json.dumps(link)})")
    page.until(f"window.__ui.click('Join kitchen on {address}')")
    page.until("document.querySelector('header [data-status=\"connected\"]') !== null")
    requested = page.js("performance.getEntriesByType('resource').map((e) => e.name).join(' ')")
    assert f"//{address}/" not in requested

    async def both_ways() -> None:
        wss = f"wss://{address}/ws/kitchen"
        async with websockets.connect(wss, ssl=client_context()) as boris:
            await asyncio.to_thread(page.until, "window.__ui.type('Message', 'из окна')")
            await asyncio.to_thread(page.until, "window.__ui.click('Send')")
            while True:
                frame = json.loads(await asyncio.wait_for(boris.recv(), 30))
                if frame.get("text") == "из окна":
                    break
            assert frame["sender"] == "Anna"
            await boris.send(json.dumps({"text": "в окно", "sender": "Boris", "room": "kitchen"}))
            await asyncio.to_thread(page.until, "document.body.innerText.includes('в окно')")

    asyncio.run(both_ways())


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
