"""The desktop side's plain parts, without a window: settings, the instance lock, hosting."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest
import websockets

from desktop.app import PortMemory
from desktop.bridge import Bridge
from desktop.host_controls import WindowHostControls
from desktop.hosting import Hosting
from desktop.notifications import Notifier
from desktop.page_guard import PageGuard
from desktop.page_storage import MAX_STORED_BYTES, MAX_STORED_KEYS, PageStorage
from desktop.presence import remembered_hosts
from desktop.room_admin import RoomAdmin
from desktop.settings import MAX_MUTED_ROOMS, Settings, SettingsStore
from desktop.single_instance import (
    REQUEST_TIMEOUT_SECONDS,
    InstanceLock,
    ShowRequests,
    ask_running_instance_to_show,
)
from server.config import ServerConfig
from server.protocol.limits import EDIT_WINDOW_SECONDS, MAX_EDIT_WINDOW_HOURS
from server.runtime.runner import ServerThread
from tests.support.ports import free_port, listening_ports

ROOT = Path(__file__).resolve().parents[2]


def test_settings_start_from_defaults_and_persist_partial_updates(tmp_path):
    store = SettingsStore(tmp_path)
    assert store.current == Settings()

    store.update(
        {
            "name": "  Аня ",
            "recent": [
                {"host": "pc.local:8765", "room": "general"},
                {"host": "pc.local:8765", "room": "general"},
            ],
        }
    )

    reloaded = SettingsStore(tmp_path).current
    assert reloaded.name == "Аня"
    assert reloaded.recent == [{"host": "pc.local:8765", "room": "general"}]
    assert reloaded.port == 8765 and reloaded.notifications is True
    assert reloaded.receipts is True  # read receipts on unless switched off
    assert SettingsStore(tmp_path).update({"receipts": False}).receipts is False
    assert SettingsStore(tmp_path).current.receipts is False
    assert reloaded.edit_window_hours == EDIT_WINDOW_SECONDS / 3600  # the server's default, 24 h
    assert SettingsStore(tmp_path).update({"edit_window_hours": 0}).edit_window_hours == 0
    assert SettingsStore(tmp_path).update({"edit_window_hours": MAX_EDIT_WINDOW_HOURS}).edit_window_hours == (
        MAX_EDIT_WINDOW_HOURS
    )


@pytest.mark.parametrize(
    "changes, complaint",
    [
        ({"port": 0}, "port must be an integer from 1 to 65535"),
        ({"port": True}, "port must be an integer"),
        ({"notifications": "yes"}, "notifications must be true or false"),
        ({"discovery": "off"}, "discovery must be true or false"),
        ({"receipts": 0}, "receipts must be true or false"),
        ({"edit_window_hours": -0.5}, "edit_window_hours must be a number from 0"),
        ({"edit_window_hours": MAX_EDIT_WINDOW_HOURS + 1}, "edit_window_hours must be a number from 0"),
        ({"edit_window_hours": True}, "edit_window_hours must be a number"),
        ({"edit_window_hours": float("nan")}, "edit_window_hours must be a number"),
        ({"recent": ["pc.local:8765"]}, "recent must be a list of"),
        ({"muted": "pc.local:8765/general"}, "muted must be a list of"),
        ({"muted": [""]}, "muted must be a list of"),
        ({"muted": [{"room": "general"}]}, "muted must be a list of"),
        ({"muted": [f"h:1/r{index}" for index in range(MAX_MUTED_ROOMS + 1)]}, "muted must be a list of"),
        ({"colour": "blue"}, "unknown setting 'colour'"),
    ],
)
def test_an_invalid_setting_is_refused_and_nothing_is_saved(tmp_path, changes, complaint):
    store = SettingsStore(tmp_path)

    with pytest.raises(ValueError, match=complaint):
        store.update({"name": "Bob", **changes})

    assert store.current == Settings()
    assert not (tmp_path / "settings.json").exists()


def test_muted_rooms_are_kept_up_to_their_bound_and_as_many_as_the_ui_keeps(tmp_path):
    full = [f"pc.local:8765/room{index}" for index in range(MAX_MUTED_ROOMS)]
    SettingsStore(tmp_path).update({"muted": [*full, full[0]]})  # a repeat is one room
    assert SettingsStore(tmp_path).current.muted == full
    ui = (ROOT / "ui" / "src" / "composables" / "useSettings.js").read_text(encoding="utf-8")
    assert f"export const MUTED_ROOMS_MAX = {MAX_MUTED_ROOMS}\n" in ui


def test_a_damaged_settings_file_costs_only_the_bad_values(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"name": "Bob", "port": "x", "future": 1}))

    assert SettingsStore(tmp_path).current == Settings(name="Bob")
    (tmp_path / "settings.json").write_text("{not json")
    assert SettingsStore(tmp_path).current == Settings()


def test_only_one_instance_holds_the_lock_and_a_second_asks_it_to_show(tmp_path):
    first, second = InstanceLock(tmp_path), InstanceLock(tmp_path)
    shown = threading.Event()
    assert first.acquire()
    requests = ShowRequests(tmp_path, on_show=shown.set)
    requests.start()
    try:
        assert not second.acquire()
        assert ask_running_instance_to_show(tmp_path, wait=5)
        assert shown.is_set()
    finally:
        requests.close()
        first.release()
    assert second.acquire(), "the lock is free once the first instance is gone"
    assert not ask_running_instance_to_show(tmp_path, wait=0.2)
    second.release()


def test_notifications_without_a_notification_service_return_false_instead_of_failing(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    notifier = Notifier()
    try:
        assert notifier.show("Anna", "hello") is False
        assert notifier.show("Anna", "again") is False
    finally:
        notifier.close()


@pytest.fixture
def server(tmp_path):
    server = ServerThread(ServerConfig(host="127.0.0.1", port=0, data_dir=tmp_path))
    server.start()
    yield server
    server.stop_listener()
    server.stop()


def test_hosting_adds_a_network_listener_beside_the_loopback_one_and_removes_it(server):
    hosting = Hosting(server)

    status = hosting.start(free_port("0.0.0.0"))

    port = status["port"]
    assert status["hosting"] and ("0.0.0.0", port) in _own_listeners()
    assert ("127.0.0.1", server.port) in _own_listeners()
    assert hosting.stop()["hosting"] is False
    assert ("0.0.0.0", port) not in _own_listeners()
    assert ("127.0.0.1", server.port) in _own_listeners()


def test_members_on_both_listeners_share_one_room_until_hosting_stops(server):
    hosting = Hosting(server)
    port = hosting.start(free_port("0.0.0.0"))["port"]

    async def scenario():
        async with (
            websockets.connect(f"ws://127.0.0.1:{server.port}/ws/general?v=2&name=Local") as local,
            websockets.connect(f"ws://127.0.0.1:{port}/ws/general?v=2&name=Remote") as remote,
        ):
            await remote.send(json.dumps({"text": "hello over the network", "sender": "Remote"}))
            assert await _next_message(local) == "hello over the network"
            await asyncio.to_thread(hosting.stop)
            await asyncio.wait_for(remote.wait_closed(), 5)
            await local.send(json.dumps({"text": "still here", "sender": "Local"}))
            assert await _next_message(local) == "still here"

    asyncio.run(scenario())


def test_moving_hosting_to_another_port_closes_the_first(server):
    hosting = Hosting(server)
    first = hosting.start(free_port("0.0.0.0"))["port"]
    second = hosting.start(free_port("0.0.0.0"))["port"]

    assert ("0.0.0.0", second) in _own_listeners()
    assert ("0.0.0.0", first) not in _own_listeners()


async def _next_message(client) -> str:
    while True:
        frame = json.loads(await asyncio.wait_for(client.recv(), 5))
        if frame["type"] == "message":
            return frame["text"]


def _own_listeners():
    return listening_ports(os.getpid())


class StandInWindow:
    """pywebview's Window at the boundary: only the URL it shows matters to the bridge."""

    def __init__(self, url: str) -> None:
        self.url = url

    def get_current_url(self) -> str:
        return self.url


@pytest.mark.parametrize(
    "shown",
    ["http://192.0.2.9:8000/", "http://127.0.0.1:40001/", "file:///tmp/index.html", "data:text/html,hi"],
)
def test_bridge_refuses_every_call_unless_the_window_shows_our_page(tmp_path, server, shown):
    bridge = Bridge(Hosting(server), SettingsStore(tmp_path), Notifier(), PageStorage(tmp_path))
    guard = PageGuard()
    guard.origin = "http://127.0.0.1:40000"
    window = StandInWindow("http://127.0.0.1:40000/index.html?server=127.0.0.1:1")
    bridge._attach(window, guard)  # type: ignore[arg-type]
    assert bridge.get_settings()["port"] == 8765

    window.url = shown

    for call in (bridge.get_settings, bridge.host_status, lambda: bridge.start_hosting(8765)):
        with pytest.raises(PermissionError, match="only for lanchat's own page"):
            call()
    assert not (tmp_path / "settings.json").exists(), "nothing was written for the foreign page"


@pytest.mark.parametrize("shown", ["http://192.0.2.9:8000/", "http://10.218.0.2:8765/index.html"])
def test_the_host_controls_refuse_a_page_from_another_origin_and_do_nothing(tmp_path, server, shown):
    controls = WindowHostControls(server)
    bridge = Bridge(
        Hosting(server), SettingsStore(tmp_path), Notifier(), PageStorage(tmp_path), None, controls
    )
    guard = PageGuard()
    guard.origin = "http://127.0.0.1:40000"
    window = StandInWindow(shown)
    bridge._attach(window, guard)  # type: ignore[arg-type]

    for call in (
        lambda: bridge.host_members("general"),
        lambda: bridge.remove_member("general", "Bob"),
        lambda: bridge.ban_identity("0123456789abcdef", "Bob"),
        lambda: bridge.ban_address("192.0.2.1", "Bob"),
        bridge.host_bans,
        lambda: bridge.unban("identity", "0123456789abcdef"),
        lambda: bridge.delete_message("general", 1),
    ):
        with pytest.raises(PermissionError, match="only for lanchat's own page"):
            call()
    assert controls.bans() == []
    assert not (tmp_path / "bans.json").exists()


def test_the_instance_channel_is_a_unix_socket_in_a_folder_only_the_user_can_enter(tmp_path):
    requests = ShowRequests(tmp_path, on_show=lambda: None)
    requests.start()
    try:
        info = json.loads((tmp_path / "instance.json").read_text())
        where = Path(info["socket"])
        assert stat.S_ISSOCK(where.stat().st_mode)
        assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / "instance.json").stat().st_mode) == 0o600
        assert "port" not in info, "no TCP port for other local users to reach"
    finally:
        requests.close()
    assert not where.parent.exists(), "the socket's folder goes with the instance"


@pytest.mark.serial
def test_a_silent_client_on_the_instance_channel_does_not_keep_a_second_launch_waiting(tmp_path):
    shown = threading.Event()
    requests = ShowRequests(tmp_path, on_show=shown.set)
    requests.start()
    info = json.loads((tmp_path / "instance.json").read_text())
    silent = [socket.socket(socket.AF_UNIX) for _ in range(5)]
    try:
        for client in silent:
            client.connect(info["socket"])
        began = time.monotonic()
        assert ask_running_instance_to_show(tmp_path, wait=5)
        assert time.monotonic() - began < REQUEST_TIMEOUT_SECONDS
        assert shown.is_set()
        # The silent ones are dropped once their time is up.
        silent[0].settimeout(REQUEST_TIMEOUT_SECONDS + 2)
        assert silent[0].recv(16) == b""
    finally:
        for client in silent:
            client.close()
        requests.close()


def test_a_request_with_the_wrong_token_does_not_show_the_window(tmp_path):
    shown = threading.Event()
    requests = ShowRequests(tmp_path, on_show=shown.set)
    requests.start()
    info = json.loads((tmp_path / "instance.json").read_text())
    try:
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(REQUEST_TIMEOUT_SECONDS + 2)
            client.connect(info["socket"])
            client.sendall(b"show " + b"0" * len(info["token"]) + b"\n")
            assert client.recv(16) == b""
    finally:
        requests.close()
    assert not shown.is_set()


def test_settings_are_written_whole_and_only_the_user_may_read_them(tmp_path):
    config = tmp_path / "config"
    SettingsStore(config).update({"name": "Аня"})

    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    assert stat.S_IMODE((config / "settings.json").stat().st_mode) == 0o600
    assert [path.name for path in config.iterdir()] == ["settings.json"], "no partial file is left"


def test_port_memory_recalls_the_kept_port_and_nothing_for_a_missing_or_odd_file(tmp_path):
    memory = PortMemory(tmp_path / "window-port")
    assert memory.recall() == 0

    memory.keep(40123)

    assert PortMemory(tmp_path / "window-port").recall() == 40123
    assert stat.S_IMODE((tmp_path / "window-port").stat().st_mode) == 0o600
    for odd in ("", "eighty", "0", "65536", "-5"):
        (tmp_path / "window-port").write_text(odd)
        assert memory.recall() == 0, odd


def test_page_storage_keeps_lanchat_items_across_a_restart_and_refuses_others(tmp_path):
    store = PageStorage(tmp_path)
    store.set("lanchat.rooms", '{"rooms": []}')
    store.set("lanchat.draft.x/general", "half a thought")
    store.remove("lanchat.draft.x/general")

    assert PageStorage(tmp_path).items() == {"lanchat.rooms": '{"rooms": []}'}
    assert stat.S_IMODE((tmp_path / "window-storage.json").stat().st_mode) == 0o600
    for key, value in (("other", "x"), ("lanchat.rooms", 5), (7, "x")):
        with pytest.raises(ValueError, match="stored"):
            store.set(key, value)  # type: ignore[arg-type]


def test_page_storage_holds_exactly_its_limits(tmp_path):
    store = PageStorage(tmp_path)
    for n in range(MAX_STORED_KEYS):
        store._items[f"lanchat.k{n}"] = ""  # filled directly: a thousand durable writes take long
    with pytest.raises(ValueError, match=f"at most {MAX_STORED_KEYS} items"):
        store.set("lanchat.one-more", "")
    store.set("lanchat.k0", "x")  # replacing an item stays within the count

    big = PageStorage(tmp_path / "big")
    room = MAX_STORED_BYTES - len("lanchat.a")
    big.set("lanchat.a", "x" * room)
    with pytest.raises(ValueError, match=f"at most {MAX_STORED_BYTES} characters"):
        big.set("lanchat.a", "x" * (room + 1))
    assert len(PageStorage(tmp_path / "big").items()["lanchat.a"]) == room


def test_the_remembered_hosts_are_the_other_hosts_of_the_recent_rooms_each_once():
    settings = Settings(
        recent=[
            {"host": None, "room": "general"},  # this window's own server
            {"host": "10.0.0.5:8765", "room": "general"},
            {"host": "10.0.0.5:8765", "room": "attic"},
            {"host": "[fd00::5]:9000", "room": "general"},
            {"host": "no-port.lan", "room": "general"},
        ]
    )
    assert remembered_hosts(settings) == [("10.0.0.5", 8765), ("fd00::5", 9000)]


def test_discovery_is_on_by_default_and_its_switch_survives_a_restart(tmp_path):
    assert SettingsStore(tmp_path).current.discovery is True
    SettingsStore(tmp_path).update({"discovery": False})
    assert SettingsStore(tmp_path).current.discovery is False


def test_the_edit_window_setting_reaches_this_windows_server_at_once(tmp_path, server):
    """Host panel -> bridge -> the in-process server: a socket joining next is told, and an edit
    past the new window (0: none allowed) is refused; a delete still goes through."""
    bridge = Bridge(
        Hosting(server),
        SettingsStore(tmp_path),
        Notifier(),
        PageStorage(tmp_path),
        None,
        WindowHostControls(server),
    )
    guard = PageGuard()
    guard.origin = "http://127.0.0.1:40000"
    bridge._attach(StandInWindow("http://127.0.0.1:40000/index.html"), guard)  # type: ignore[arg-type]
    assert bridge.save_settings({"edit_window_hours": 0})["edit_window_hours"] == 0

    async def scenario():
        url = f"ws://127.0.0.1:{server.port}/ws/edits?v=2&name=Anna"
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "hello", "secret": "a" * 43}))
            frames = []
            while len(frames) < 2:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            welcome = next(frame for frame in frames if frame["type"] == "welcome")
            await ws.send(json.dumps({"text": "hi", "sender": "Anna", "client_id": "c-1"}))
            posted = None
            while posted is None:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                posted = frame if frame["type"] == "ack" else None
            answers = []
            for change in (
                {"type": "edit", "id": posted["id"], "text": "changed"},
                {"type": "delete", "id": posted["id"]},
            ):
                await ws.send(json.dumps(change))
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if frame["type"] in ("error", "update"):
                        answers.append(frame.get("code") or frame["change"])
                        break
            return welcome, answers

    welcome, answers = asyncio.run(scenario())
    assert welcome["limits"]["edit_window_seconds"] == 0
    assert answers == ["edit_window_passed", "delete"]
    assert SettingsStore(tmp_path).current.edit_window_hours == 0  # kept for the window's next start


def test_the_rooms_privacy_asked_while_the_server_starts_waits_for_it(tmp_path):
    # The page asks as soon as it loads, which is when the window starts its server: the answer
    # was "the room server is not running", and the host was asked for its own room's password.
    server = ServerThread(
        ServerConfig(host="127.0.0.1", port=0, data_dir=tmp_path / "data", ui_dir=tmp_path / "no-ui")
    )
    server.bind()
    server.start(wait=False)
    try:
        assert RoomAdmin(server).privacy("team") == {"room": "team", "private": False}
    finally:
        server.stop()
