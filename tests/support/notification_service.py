"""A stand-in for the desktop's notification server (GNOME Shell's, say) on a private D-Bus
session bus: the true boundary. Our Notifier and desktop-notifier run for real and talk D-Bus to
it. The fixtures `session_bus` and `notification_server` are offered by conftest.py."""

import asyncio
import shutil
import subprocess
import threading

import pytest

dbus_fast = pytest.importorskip(
    "dbus_fast", reason="dbus-fast (installed with desktop-notifier on Linux) is missing"
)
from dbus_fast.aio import MessageBus  # noqa: E402
from dbus_fast.service import ServiceInterface, method  # noqa: E402


class StandInNotificationServer(ServiceInterface):
    """Just enough of org.freedesktop.Notifications to record what is shown."""

    def __init__(self):
        super().__init__("org.freedesktop.Notifications")
        self.shown = []

    @method()
    def Notify(
        self,
        app_name: "s",
        replaces_id: "u",
        app_icon: "s",
        summary: "s",
        body: "s",
        actions: "as",
        hints: "a{sv}",
        expire_timeout: "i",
    ) -> "u":
        self.shown.append((app_name, summary, body))
        return len(self.shown)

    @method()
    def GetCapabilities(self) -> "as":
        return ["body"]

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["stand-in", "lanchat tests", "1.0", "1.2"]

    @method()
    def CloseNotification(self, id: "u"):
        pass


def run_session_bus(monkeypatch):
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is missing (Debian package dbus)")
    proc = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address"], stdout=subprocess.PIPE, text=True
    )
    address = proc.stdout.readline().strip()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    yield address
    proc.terminate()
    proc.wait(5)


def serve_on_bus(session_bus, interface, path: str, name: str):
    """Offer `interface` at `path` under the well-known `name` on the bus, until the test ends."""
    loop = asyncio.new_event_loop()

    async def serve():
        bus = await MessageBus(bus_address=session_bus).connect()
        bus.export(path, interface)
        await bus.request_name(name)

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(serve(), loop).result(10)
    yield interface
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def run_notification_server(session_bus):
    yield from serve_on_bus(
        session_bus,
        StandInNotificationServer(),
        "/org/freedesktop/Notifications",
        "org.freedesktop.Notifications",
    )


class StandInFileManager(ServiceInterface):
    """Just enough of org.freedesktop.FileManager1 (Nautilus, Dolphin...) to record what it shows."""

    def __init__(self):
        super().__init__("org.freedesktop.FileManager1")
        self.shown = []

    @method()
    def ShowItems(self, uris: "as", startup_id: "s"):
        self.shown.append(list(uris))


def run_file_manager(session_bus):
    yield from serve_on_bus(
        session_bus, StandInFileManager(), "/org/freedesktop/FileManager1", "org.freedesktop.FileManager1"
    )
