"""The real desktop app in a subprocess with Qt WebEngine offscreen; every connection on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid

import psutil
import pytest
import websockets

from server.protocol.limits import PROTOCOL_VERSION
from tests.support.app_process import REPO_ROOT, AppProcess
from tests.support.ports import free_port, listening_ports
from tests.support.window import (
    join_in_the_window,
    server_fetch,
    wait_for_js,
)

pytestmark = pytest.mark.window

BRIDGE_METHODS = {
    "host_status",
    "start_hosting",
    "stop_hosting",
    "notify",
    "set_unread",
    "open_external",
    "copy_text",
    "storage_items",
    "storage_set",
    "storage_remove",
    "get_settings",
    "save_settings",
    "discovery_status",
    # Host controls (desktop/host_controls.py)
    "host_members",
    "remove_member",
    "ban_identity",
    "ban_address",
    "host_bans",
    "unban",
    "delete_message",
    # Private rooms (desktop/room_admin.py)
    "room_privacy",
    "make_room_private",
    "make_room_open",
    "room_pass",
    # Files (desktop/downloads.py)
    "save_file",
    "download_progress",
    "show_in_folder",
    # A server that could not start (desktop/server_problem.py)
    "server_problem",
    "move_damaged_file_aside",
    "quit",
    # Other hosts through the pinned gateway (desktop/gateway.py), and this host's own identity
    "open_host",
    "host_routes",
    "host_identity",
    "trust_host_identity",
    "set_host_verified",
    "new_host_identity",
}


def open_page_socket(app: AppProcess, url_expression: str, name: str) -> None:
    """A WebSocket from inside the page (what the UI does), collecting frames in window.__inbox."""
    assert app.js_async(
        f"""new Promise((resolve, reject) => {{
            window.__inbox = [];
            const url = {url_expression} + "?v={PROTOCOL_VERSION}&name={name}";
            window.__socket = new WebSocket(url);
            window.__socket.onmessage = (event) => window.__inbox.push(JSON.parse(event.data));
            window.__socket.onopen = () => resolve(true);
            window.__socket.onerror = () => reject(new Error("cannot connect to " + url));
        }})"""
    )


def page_send(app: AppProcess, frame: dict) -> None:
    app.js(f"window.__socket.send({json.dumps(json.dumps(frame))})")


def inbox_has_text(text: str) -> str:
    return f"window.__inbox.some((frame) => frame.type === 'message' && frame.text === {json.dumps(text)})"


def process_tree(pid: int) -> list[psutil.Process]:
    parent = psutil.Process(pid)
    return [parent, *parent.children(recursive=True)]


def test_window_shows_the_ui_and_names_its_loopback_only_server(launch_app):
    app = launch_app()

    assert app.js("document.readyState") == "complete"
    assert app.command("title") == "lanchat"
    # pywebview serves the page; the page names the server, which answers it across origins.
    assert app.js("location.hostname") == "127.0.0.1"
    assert app.js("new URLSearchParams(location.search).get('server')") == f"127.0.0.1:{app.port}"
    assert app.js_async(server_fetch(app, "/api/health"))["status"] == "ok"
    listening = set()
    for process in process_tree(app.pid):
        listening |= listening_ports(process.pid)
    page_port = app.js("Number(location.port)")
    assert {("127.0.0.1", app.port), ("127.0.0.1", page_port)} <= listening
    assert {address for address, _ in listening} == {"127.0.0.1"}, (
        "nothing may listen beyond loopback before hosting"
    )


def test_bridge_offers_exactly_the_documented_api(launch_app):
    app = launch_app()

    offered = app.js("Object.keys(window.pywebview.api)")

    assert set(offered) == BRIDGE_METHODS


def test_message_sent_from_the_page_reaches_a_websockets_client_in_the_room(launch_app):
    app = launch_app()
    text = f"hello from the window {uuid.uuid4().hex[:8]}"

    async def scenario():
        async with websockets.connect(
            f"ws://127.0.0.1:{app.port}/ws/general?v={PROTOCOL_VERSION}&name=Bob"
        ) as client:
            await asyncio.wait_for(_until(client, lambda frame: frame["type"] == "welcome"), 5)
            await asyncio.to_thread(
                open_page_socket, app, json.dumps(f"ws://127.0.0.1:{app.port}/ws/general"), "Anna"
            )
            await asyncio.to_thread(page_send, app, {"text": text, "sender": "Anna", "room": "general"})
            return await asyncio.wait_for(_until(client, lambda frame: frame["type"] == "message"), 5)

    received = asyncio.run(scenario())

    assert (received["sender"], received["text"], received["room"]) == ("Anna", text, "general")


# Drives the built Vue UI the way a person would, finding controls by their visible labels.
def test_message_typed_into_the_window_reaches_a_websockets_client_in_the_room(launch_app):
    if not (REPO_ROOT / "ui" / "dist" / "index.html").is_file():
        pytest.xfail(
            "the Vue UI is not built (ui/dist); the page-side socket test covers the window meanwhile"
        )
    app = launch_app()
    text = f"typed in the window {uuid.uuid4().hex[:8]}"

    async def scenario():
        async with websockets.connect(
            f"ws://127.0.0.1:{app.port}/ws/general?v={PROTOCOL_VERSION}&name=Bob"
        ) as client:
            await asyncio.wait_for(_until(client, lambda frame: frame["type"] == "welcome"), 5)

            def use_the_window():
                join_in_the_window(app, "Anna", "general")
                wait_for_js(app, f"window.__ui.type('Message', {json.dumps(text)})", timeout=15)
                wait_for_js(app, "window.__ui.click('Send')")

            await asyncio.to_thread(use_the_window)
            return await asyncio.wait_for(_until(client, lambda frame: frame["type"] == "message"), 10)

    received = asyncio.run(scenario())

    assert (received["sender"], received["text"], received["room"]) == ("Anna", text, "general")


def test_the_windows_page_enforces_the_uis_content_security_policy_without_our_headers(launch_app):
    if not (REPO_ROOT / "ui" / "dist" / "index.html").is_file():
        pytest.fail("the Vue UI is not built (ui/dist): run make ui")
    app = launch_app()
    wait_for_js(app, "document.querySelector('.app-shell') !== null", timeout=15)

    # pywebview's server sends no policy header; the page's own meta policy applies all the same.
    assert app.js("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]') !== null")
    refused = app.js_async(
        """new Promise((resolve) => {
            document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective));
            const script = document.createElement('script');
            script.src = 'http://127.0.0.1:9/not-ours.js';
            document.head.append(script);
        })"""
    )
    assert refused == "script-src-elem", "a script from anywhere but the page's origin is refused"
    # ...and still lets the page reach its server (connect-src), as every chat test here shows too.
    assert app.js_async(server_fetch(app, "/api/health"))["status"] == "ok"


def test_hosting_listens_on_the_network_port_and_stopping_closes_it(launch_app):
    app = launch_app()
    port = free_port()

    status = app.api("start_hosting", port)

    assert (status["hosting"], status["port"], status["error"]) == (True, port, None)
    assert not any(address.startswith("127.") for address in status["addresses"]), (
        "loopback is no use to a peer"
    )
    # Each address with the network it is on, so the host gives the one that reaches a peer.
    assert [network["address"] for network in status["networks"]] == status["addresses"]
    assert {network["kind"] for network in status["networks"]} <= {"wifi", "ethernet", "vpn", "other"}
    assert ("0.0.0.0", port) in listening_ports(app.pid)
    assert app.api("host_status") == status
    assert app.api("get_settings")["port"] == port, "the hosting port is remembered"

    async def remote_member_is_disconnected_on_stop():
        # A "remote" member, reached only through loopback, on the hosting port.
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/general?v={PROTOCOL_VERSION}&name=Remote"
        ) as remote:
            await asyncio.wait_for(_until(remote, lambda frame: frame["type"] == "welcome"), 5)
            stopped = await asyncio.to_thread(app.api, "stop_hosting")
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(_until(remote, lambda frame: False), 5)
            return stopped

    stopped = asyncio.run(remote_member_is_disconnected_on_stop())

    assert (stopped["hosting"], stopped["port"], stopped["addresses"]) == (False, None, [])
    assert ("0.0.0.0", port) not in listening_ports(app.pid)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert app.js_async(server_fetch(app, "/api/health"))["status"] == "ok", "the window keeps working"


def test_hosting_on_a_taken_port_says_so_and_suggests_the_next_free_one(launch_app):
    app = launch_app()
    with socket.create_server(("127.0.0.1", 0)) as squatter:
        taken = squatter.getsockname()[1]

        refused = app.api("start_hosting", taken)

        assert (refused["hosting"], refused["error"]) == (False, "port_taken")
        assert refused["suggested_port"] > taken
        accepted = app.api("start_hosting", refused["suggested_port"])
        assert (accepted["hosting"], accepted["port"]) == (True, refused["suggested_port"])
    assert app.api("start_hosting", 0)["error"] == "port_invalid"
    assert app.api("start_hosting", "8765")["error"] == "port_invalid"


def test_joining_another_instance_by_address_works_both_ways(launch_app):
    anna, boris = launch_app("anna"), launch_app("boris")
    host_port = free_port()
    assert boris.api("start_hosting", host_port)["hosting"]

    # Anna's window joins Boris's room by address (loopback stands in for his LAN address).
    open_page_socket(anna, json.dumps(f"ws://127.0.0.1:{host_port}/ws/lobby"), "Anna")
    open_page_socket(boris, json.dumps(f"ws://127.0.0.1:{boris.port}/ws/lobby"), "Boris")
    page_send(anna, {"text": "hi Boris", "sender": "Anna", "room": "lobby"})
    page_send(boris, {"text": "hi Anna", "sender": "Boris", "room": "lobby"})

    assert wait_for_js(boris, inbox_has_text("hi Boris"))
    assert wait_for_js(anna, inbox_has_text("hi Anna"))
    # Anna's welcome lists her; the presence changes after it add Boris.
    assert anna.js(
        "window.__inbox.filter((frame) => frame.type === 'presence' && frame.event === 'join')"
        ".map((frame) => frame.name)"
    ) == ["Anna", "Boris"]


def test_unread_count_shows_in_the_window_title(launch_app):
    app = launch_app()

    app.api("set_unread", 3)
    assert app.command("title") == "lanchat (3)"
    app.api("set_unread", 0)
    assert app.command("title") == "lanchat"


def test_notify_stays_quiet_when_disabled_or_the_window_has_focus(launch_app):
    app = launch_app()
    assert app.js("document.hasFocus()") is True

    assert app.api("notify", "Anna", "hello") is False  # focused: the user sees the message already
    app.api("save_settings", {"notifications": False})
    assert app.api("notify", "Anna", "hello") is False


def test_open_external_sends_only_web_links_to_the_system_browser(launch_app, tmp_path, monkeypatch):
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    # The system browser is the boundary: a stand-in that records what it was asked to open.
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(browser))
    app = launch_app()

    assert app.api("open_external", "file:///etc/passwd") is False
    assert app.api("open_external", "javascript:alert(1)") is False
    assert app.api("open_external", "http://127.0.0.1:9/docs") is True
    assert opened.read_text().split() == ["http://127.0.0.1:9/docs"]


def test_settings_and_page_storage_survive_a_restart(launch_app, tmp_path):
    data, config = tmp_path / "data", tmp_path / "config"
    first = launch_app(data_dir=data, config_dir=config)
    saved = first.api(
        "save_settings",
        {
            "name": "Аня",
            "language": "ru",
            "recent": [{"host": "192.0.2.7:8765", "room": "general"}, {"host": None, "room": "lobby"}],
        },
    )
    with pytest.raises(AssertionError, match="port must be an integer"):
        first.api("save_settings", {"port": "eighty"})
    first.js("localStorage.setItem('lanchat-test', 'kept')")
    first_origin = first.js("location.origin")
    first.command("close")
    assert first.wait_exit(10) == 0

    second = launch_app(data_dir=data, config_dir=config)

    assert second.api("get_settings") == saved
    assert saved["name"] == "Аня" and saved["notifications"] is True
    assert json.loads((config / "settings.json").read_text(encoding="utf-8"))["language"] == "ru"
    assert second.js("location.origin") == first_origin, "the page keeps its origin, hence its localStorage"
    assert second.port == first.port, "the UI keys its stored rooms by the server's address"
    assert second.js("localStorage.getItem('lanchat-test')") == "kept"


@pytest.mark.serial
def test_closing_the_window_stops_everything_and_exits_0_within_2_seconds(launch_app):
    app = launch_app()
    open_page_socket(app, json.dumps(f"ws://127.0.0.1:{app.port}/ws/general"), "Anna")
    page_send(app, {"text": "before closing", "sender": "Anna"})
    wait_for_js(app, inbox_has_text("before closing"))
    tree = process_tree(app.pid)
    assert len(tree) > 1, "Qt WebEngine runs helper processes"

    began = time.monotonic()
    app.command("close")
    code = app.wait_exit(10)
    took = time.monotonic() - began

    assert code == 0
    assert took < 2.0, f"took {took:.2f} s to exit"
    time.sleep(0.2)
    assert [p.pid for p in tree if _alive(p)] == [], "no helper process may outlive the app"
    assert "closed in order" in app.stderr
    wal = app.data_dir / "history.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "the history store was checkpointed and closed"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", app.port), timeout=2).close()


async def _until(client, predicate):
    while True:
        frame = json.loads(await client.recv())
        if predicate(frame):
            return frame


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_with_discovery_off_in_the_environment_the_window_neither_browses_nor_offers_the_switch(launch_app):
    app = launch_app()  # tests run with LANCHAT_DISCOVERY=off
    assert app.api("discovery_status") == {"setting": True, "enabled": False, "blocked_by": "environment"}
    assert app.js_async(server_fetch(app, "/api/discovered")) == {"browsing": False, "hosts": []}
    wait_for_js(app, "document.querySelector('[data-testid=discovery-toggle]')?.disabled")
    app.api("start_hosting", free_port())
    assert "name" not in app.js_async(server_fetch(app, "/api/health")), "nothing is announced"
