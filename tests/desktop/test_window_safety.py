"""The real window under what a page (ours or another) may try: permissions, copying, leaving."""

from __future__ import annotations

import http.server
import json
import signal
import socket
import stat
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.support.app_process import REPO_ROOT, AppProcess
from tests.support.ports import free_port
from tests.support.window import (
    UI_HELPERS,
    open_hosting,
    server_fetch,
    wait_for_js,
)

pytestmark = pytest.mark.window


def still_alive(app: AppProcess) -> bool:
    assert app.proc is not None
    return app.proc.poll() is None and app.js("1 + 1") == 2


class ForeignPage(str):
    """Another web page's URL on loopback (a page from another machine), and the paths it served."""

    served: list[str]


@pytest.fixture
def foreign_page() -> Iterator[ForeignPage]:
    served: list[str] = []

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            body = b"<html><body>not lanchat</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    page = ForeignPage(f"http://127.0.0.1:{server.server_address[1]}/")
    page.served = served
    yield page
    server.shutdown()
    server.server_close()


@pytest.fixture
def system_browser(tmp_path, monkeypatch):
    """The system browser is the boundary: a stand-in that records what it was asked to open."""
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(browser))
    return opened


def test_copy_in_the_host_panel_puts_the_address_on_the_clipboard_and_the_app_lives_on(launch_app):
    if not (REPO_ROOT / "ui" / "dist" / "index.html").is_file():
        pytest.fail("the Vue UI is not built (ui/dist): run make ui")
    app = launch_app()
    app.js(UI_HELPERS)
    open_hosting(app)
    wait_for_js(app, f"window.__ui.type('Port', '{free_port()}')", timeout=15)
    wait_for_js(app, "window.__ui.click('Host')")
    # The link carries the host's fingerprint once the panel has read it (GET /api/identity).
    copy_label = wait_for_js(
        app,
        "[...document.querySelectorAll('button.copy')].map((b) => b.getAttribute('aria-label'))"
        ".find((label) => label.includes('#fp='))",
        timeout=10,
    )
    address = copy_label.removeprefix("Copy ")

    assert app.js(f"window.__ui.click({json.dumps(copy_label)})")

    wait_for_js(
        app, "[...document.querySelectorAll('button.copy')].some((b) => b.textContent.trim() === 'Copied')"
    )
    assert still_alive(app)
    assert app.command("clipboard") == address


@pytest.mark.parametrize(
    "request_code, outcome",
    [
        ("Notification.requestPermission()", "denied"),
        ("navigator.clipboard.writeText('from the page').then(() => 'granted', () => 'denied')", "denied"),
        (
            "navigator.mediaDevices.getUserMedia({audio: true}).then(() => 'granted', () => 'denied')",
            "denied",
        ),
        (
            "new Promise((resolve) => navigator.geolocation.getCurrentPosition("
            "() => resolve('granted'), () => resolve('denied')))",
            "denied",
        ),
    ],
    ids=["notifications", "clipboard", "microphone", "location"],
)
def test_a_permission_the_page_asks_for_is_denied_and_the_app_lives_on(launch_app, request_code, outcome):
    app = launch_app()

    assert app.js_async(request_code) == outcome

    assert still_alive(app)
    assert "Traceback" not in app.stderr


def test_the_window_stays_on_its_page_when_the_page_navigates_elsewhere(launch_app, foreign_page):
    app = launch_app()
    ours = app.js("location.href")

    app.js(f"location.href = {json.dumps(foreign_page)}")
    time.sleep(0.5)
    app.js("location.href = 'about:blank'")
    app.js("location.href = 'data:text/html,<p>elsewhere</p>'")
    time.sleep(0.5)

    # Chromium changes to about:blank or data: without asking; the window then loads our page again.
    assert wait_for_js(app, f"location.href === {json.dumps(ours)} && document.readyState === 'complete'")
    assert foreign_page.served == []
    assert wait_for_js(app, "typeof window.pywebview?.api?.get_settings === 'function'")


def test_a_clicked_link_opens_in_the_system_browser_not_in_the_window(
    launch_app, foreign_page, system_browser
):
    app = launch_app()
    ours = app.js("location.href")

    app.js(
        f"""(() => {{
            const link = document.createElement('a');
            link.href = {json.dumps(foreign_page)};
            link.textContent = 'elsewhere';
            document.body.appendChild(link);
            link.click();
            window.open({json.dumps(foreign_page + "popup")});
        }})()"""
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(_lines(system_browser)) < 2:
        time.sleep(0.1)

    assert sorted(_lines(system_browser)) == [foreign_page, foreign_page + "popup"]
    assert app.js("location.href") == ours


def test_a_foreign_frame_is_not_loaded_into_the_page(launch_app, foreign_page):
    app = launch_app()

    app.js(
        f"""(() => {{
            const frame = document.createElement('iframe');
            frame.id = 'foreign';
            frame.src = {json.dumps(foreign_page)};
            document.body.appendChild(frame);
        }})()"""
    )
    time.sleep(1.5)

    # A loaded frame would be cross-origin and unreadable from here: what tells the two apart is
    # that the foreign server never saw a request.
    assert foreign_page.served == []
    assert still_alive(app)


def _kept_outbox(kept, room_key: str) -> list[str]:
    """The texts waiting in a room's outbox, as the window kept it in the data folder."""
    try:
        items = json.loads(kept.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [entry["text"] for entry in json.loads(items.get(f"lanchat.outbox.{room_key}", "[]"))]


def _lines(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_what_the_window_keeps_is_the_users_only_and_survives_the_app_being_killed(launch_app, tmp_path):
    data, config = tmp_path / "data", tmp_path / "config"
    data.mkdir(mode=0o755)
    (data / "server-port").write_text("0")  # as an older version left it: readable by all
    (data / "server-port").chmod(0o644)
    app = launch_app(data_dir=data, config_dir=config)
    recent = [{"host": None, "room": "general"}]
    app.api("save_settings", {"name": "Аня", "recent": recent})
    assert app.js_async(server_fetch(app, "/api/health"))["status"] == "ok"  # the history is open

    app.kill()  # no goodbye: what was saved must already be on disk

    assert json.loads((config / "settings.json").read_text(encoding="utf-8"))["recent"] == recent
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    files = [config / "settings.json", data / "server-port", data / "window-port"]
    files += list(data.glob("history.sqlite3*"))
    assert len(files) > 3, "the history store was created"
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in files} == {
        path.name: 0o600 for path in files
    }


def test_a_message_left_pending_is_sent_after_a_crash_even_when_the_page_port_changes(
    launch_app, serve_process, tmp_path
):
    if not (REPO_ROOT / "ui" / "dist" / "index.html").is_file():
        pytest.fail("the Vue UI is not built (ui/dist): run make ui")
    data, config = tmp_path / "data", tmp_path / "config"
    remote = serve_process(data_dir=tmp_path / "remote")  # another computer's lanchat
    text = "written while the host was away"
    first = launch_app(data_dir=data, config_dir=config)
    first.js(UI_HELPERS)
    join_there = f"""(() => {{
        const set = (id, value) => {{
            const field = document.getElementById(id);
            if (!field) return false;
            field.value = value;
            field.dispatchEvent(new Event('input', {{bubbles: true}}));
            return true;
        }};
        if (window.__ui.field('Message')) return true;
        if (set('join-name', 'Anna') && set('join-address', {json.dumps(remote.host)})
            && set('join-remote-room', 'lobby'))
            document.getElementById('join-address').form.requestSubmit();
        return false;
    }})()"""
    # Repeated until the room shows: the page may still be loading its settings at first.
    wait_for_js(first, join_there, timeout=20)
    remote.stop(signal.SIGKILL)
    wait_for_js(first, f"window.__ui.type('Message', {json.dumps(text)})")
    wait_for_js(first, "window.__ui.click('Send')")
    kept = data / "window-storage.json"
    deadline = time.monotonic() + 10
    while text not in _kept_outbox(kept, f"{remote.host}/lobby"):
        assert time.monotonic() < deadline, "the pending message never reached the data folder"
        time.sleep(0.1)
    first_origin = first.js("location.origin")
    first.kill()  # a crash: nothing is flushed on the way out

    page_port = int((data / "window-port").read_text())
    with socket.create_server(("127.0.0.1", page_port)):  # another program took the page's port
        remote.start()
        second = launch_app(data_dir=data, config_dir=config)
        assert second.js("location.origin") != first_origin, "the page had to move"

        deadline = time.monotonic() + 20
        while True:
            with urllib.request.urlopen(f"{remote.url}api/rooms/lobby/messages", timeout=5) as response:
                texts = [message["text"] for message in json.load(response)["messages"]]
            if text in texts:
                break
            assert time.monotonic() < deadline, (
                f"the pending message was not sent: {texts}; the window shows "
                f"{second.js('document.body.innerText')!r}; kept: {kept.read_text(encoding='utf-8')}"
            )
            time.sleep(0.2)
    assert texts.count(text) == 1


def test_a_link_or_file_dropped_on_the_window_does_not_replace_the_page(launch_app, foreign_page, tmp_path):
    dropped_file = tmp_path / "dropped.html"
    dropped_file.write_text("<html><body>a dropped file</body></html>")
    app = launch_app()
    ours = app.js("location.href")

    app.command("drop", urls=[foreign_page + "dropped"])
    app.command("drop", urls=[dropped_file.as_uri()])
    time.sleep(1.0)

    assert app.js("location.href") == ours
    assert foreign_page.served == []
    assert still_alive(app)
