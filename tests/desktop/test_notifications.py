"""Native notifications reach a real D-Bus session bus, where a stand-in notification server listens.

The notification server (the desktop's, e.g. GNOME Shell's) is a true boundary; our Notifier
and desktop-notifier run for real and talk D-Bus to it.
"""

from desktop.notifications import MAX_BODY_CHARS, Notifier


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
