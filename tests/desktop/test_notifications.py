"""Native notifications reach a real D-Bus session bus, where a stand-in notification server listens.

The notification server (the desktop's, e.g. GNOME Shell's) is a true boundary; our Notifier
and desktop-notifier run for real and talk D-Bus to it.
"""

import asyncio
import shutil
import subprocess
import threading

import pytest

from desktop.notifications import MAX_BODY_CHARS, Notifier

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


@pytest.fixture
def session_bus(monkeypatch):
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


@pytest.fixture
def notification_server(session_bus):
    server = StandInNotificationServer()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def serve():
        bus = await MessageBus(bus_address=session_bus).connect()
        bus.export("/org/freedesktop/Notifications", server)
        await bus.request_name("org.freedesktop.Notifications")
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(serve(), loop).result(10)
    assert ready.wait(10)
    yield server
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_a_notification_reaches_the_desktops_notification_server(notification_server):
    notifier = Notifier()
    try:
        assert notifier.show("Аня in general", "Привет! Are you coming?") is True
        assert notifier.show("Bob in general", "x" * 1000) is True
    finally:
        notifier.close()
    assert notification_server.shown[0] == ("lanchat", "Аня in general", "Привет! Are you coming?")
    # Long messages are cut to what a notification bubble can show.
    assert notification_server.shown[1][2] == "x" * MAX_BODY_CHARS


def test_a_message_that_looks_like_markup_reaches_the_notification_server_as_plain_text(notification_server):
    notifier = Notifier()
    try:
        assert notifier.show("Mallory in general", '<b>bold</b> <a href="http://x">link</a> & <img src=x>')
    finally:
        notifier.close()

    body = notification_server.shown[0][2]
    assert body == '&lt;b&gt;bold&lt;/b&gt; &lt;a href="http://x"&gt;link&lt;/a&gt; &amp; &lt;img src=x&gt;'
