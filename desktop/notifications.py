"""Native notifications through desktop-notifier (embedded web views have no Notification API).

Notifications are a nicety: with no notification service (a headless machine, no D-Bus session,
the package not installed) `show` logs once, returns False, and stops trying for the rest of the
run so that every message does not log another traceback; it never raises.
"""

from __future__ import annotations

import html
import logging
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where they are used: the window's start-up does not wait for them
    import asyncio

    from desktop_notifier import DesktopNotifier

__all__ = ["MAX_BODY_CHARS", "Notifier", "notification_body"]

log = logging.getLogger("lanchat.desktop")

SEND_TIMEOUT_SECONDS = 5.0
MAX_TITLE_CHARS = 100
MAX_BODY_CHARS = 300
# The freedesktop notification spec lets servers read the body as markup (<b>, <a href>, <img>);
# a message's text is the sender's, never markup. Other platforms show the text as it is.
BODY_IS_MARKUP = sys.platform.startswith("linux")


def notification_body(text: str) -> str:
    """What to send as the body: cut to MAX_BODY_CHARS, then escaped where it would be markup."""
    cut = text[:MAX_BODY_CHARS]
    return html.escape(cut, quote=False) if BODY_IS_MARKUP else cut


class Notifier:
    """Sends from a private event loop on a daemon thread, started on first use."""

    def __init__(self, app_name: str = "lanchat") -> None:
        self._app_name = app_name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._notifier: DesktopNotifier | None = None
        self._unavailable = False

    def show(self, title: str, body: str) -> bool:
        """Show a notification; True if the notification service accepted it."""
        if self._unavailable:
            return False
        try:
            loop, notifier = self._started()
            import asyncio

            future = asyncio.run_coroutine_threadsafe(self._send(notifier, title, body), loop)
            shown = future.result(SEND_TIMEOUT_SECONDS)
        except Exception as exc:  # ImportError, a timeout, anything the backend raises
            shown = False
            self._give_up(repr(exc))
        else:
            if not shown:
                self._give_up("the notification service did not accept it (see the warning above)")
        return shown

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = self._notifier = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(2)
            loop.close()

    def _started(self) -> tuple[asyncio.AbstractEventLoop, DesktopNotifier]:
        with self._lock:
            if self._loop is None:
                import asyncio

                from desktop_notifier import DesktopNotifier

                self._notifier = DesktopNotifier(app_name=self._app_name)
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="lanchat-notify", daemon=True
                )
                self._thread.start()
            assert self._notifier is not None  # made together with the loop
            return self._loop, self._notifier

    @staticmethod
    async def _send(notifier: DesktopNotifier, title: str, body: str) -> bool:
        import asyncio

        from desktop_notifier import Notification

        dispatched = asyncio.Event()
        # desktop-notifier logs a failure instead of raising; on_dispatched is how we learn it worked.
        notification = Notification(
            title=title[:MAX_TITLE_CHARS], message=notification_body(body), on_dispatched=dispatched.set
        )
        await notifier.send_notification(notification)
        return dispatched.is_set()

    def _give_up(self, why: str) -> None:
        self._unavailable = True
        log.warning("native notifications are unavailable for this run: %s", why)
