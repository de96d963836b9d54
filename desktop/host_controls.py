"""The host's controls as the window's bridge calls them: straight into the in-process server.

Each call runs server/rooms/moderation.py's HostControls on the server's event loop (where the rooms
and the store live) and waits for its answer. Nothing here listens anywhere: the only way in is
`window.pywebview.api`, which pywebview offers to the window's own page (desktop/bridge.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from server.rooms.bans import Ban, BanKind, ModerationError
from server.rooms.moderation import HostControls, MemberInfo
from server.runtime.runner import ServerThread

__all__ = ["WindowHostControls"]

T = TypeVar("T")


class WindowHostControls:
    def __init__(self, server: ServerThread) -> None:
        self._server = server

    def members(self, room: str) -> list[MemberInfo]:
        return self._run(lambda controls: controls.members(str(room)))

    def remove_member(self, room: str, name: str, reason: str = "") -> int:
        return self._run(lambda controls: controls.remove_member(str(room), str(name), str(reason or "")))

    def ban(self, kind: BanKind, value: str, name: str = "") -> Ban:
        return self._run(lambda controls: controls.ban(kind, str(value), str(name or "")))

    def unban(self, kind: str, value: str) -> bool:
        return self._run(lambda controls: controls.unban(str(kind), str(value)))

    def bans(self) -> list[Ban]:
        return self._run(lambda controls: controls.bans())

    def delete_message(self, room: str, message_id: int) -> bool:
        return self._run(lambda controls: controls.delete_message(str(room), message_id))

    def set_edit_window(self, seconds: float) -> None:
        self._run(lambda controls: controls.set_edit_window(seconds))

    def _run(self, act: Callable[[HostControls], T]) -> T:
        app = self._server.app
        if app is None:
            raise RuntimeError("the server is not running")
        controls = HostControls(app.api.state.rooms)

        async def on_loop() -> T:
            return act(controls)

        try:
            return self._server.run_on_loop(on_loop())
        except ModerationError as exc:
            # A plain ValueError rejects the page's Promise with its message: the code first, so
            # the page says it in the host's language (ui/src/hostRefusals.js), then the sentence.
            raise ValueError(f"{exc.code}: {exc}") from None
