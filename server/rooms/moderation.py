"""Host controls: remove a member from a room, ban an identity or an address, delete a message.

Only the host's own window reaches these: desktop/host_controls.py calls them through the
pywebview bridge, on the server's event loop. No HTTP route or frame leads here, so nothing on
the network (a peer, a page in someone's browser) can moderate, hosting or not.

Bans outlive restarts in the data folder (`bans.json`, mode 0600, replaced atomically). The file
holds identity ids (hashes, never a secret) and addresses, each with the name it was banned under
so that the unban list says who it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.frames import ErrorFrame
from server.protocol.refusals import Refused
from server.rooms.bans import Ban, BanKind, ModerationCode, ModerationError, banned_refusal
from server.rooms.validation import name_key

if TYPE_CHECKING:
    from server.rooms.member import Member
    from server.rooms.service import ChatRooms

__all__ = [
    "MAX_REASON_CHARS",
    "HostControls",
    "MemberInfo",
]

log = logging.getLogger("lanchat.moderation")

# What the host may say to a removed member, in characters.
MAX_REASON_CHARS = 200


class MemberInfo(TypedDict):
    """A member as the host's window sees it: never a secret, only the id derived from it."""

    name: str | None
    identity: str | None
    address: str | None


@dataclass
class HostControls:
    """What the host's window may do to the rooms. Every method runs on the server's event loop."""

    rooms: ChatRooms

    def members(self, room: str) -> list[MemberInfo]:
        return [
            {"name": member.name, "identity": member.identity, "address": address}
            for member, address in self._connections(room)
        ]

    def remove_member(self, room: str, name: str, reason: str = "") -> int:
        """Close every connection under `name` in `room`; they may join again. How many were closed."""
        reason = str(reason).strip()[:MAX_REASON_CHARS]
        detail = "The host removed you from this room." + (f" Reason: {reason}" if reason else "")
        removed = 0
        for member, _address in self._connections(room):
            if member.name is not None and name_key(member.name) == name_key(str(name)):
                self._expel(member, Refused(ErrorCode.REMOVED, detail), CloseCode.REMOVED)
                removed += 1
        return removed

    def ban(self, kind: BanKind, value: str, name: str = "") -> Ban:
        """Ban an identity or an address from the whole host, and close its connections now."""
        if kind not in ("identity", "address"):
            raise ModerationError(
                ModerationCode.KIND_INVALID, f"a ban is of an identity or an address, not {kind!r}"
            )
        ban = self.rooms.bans.add(kind, value, str(name)[:64])
        self.enforce_ban(ban)
        return ban

    def enforce_ban(self, ban: Ban) -> None:
        """Close the connections `ban` shuts out and revoke their tokens (a ban made here, or one
        another node of the cluster wrote)."""
        kind = ban["kind"]
        for member, address in self._connections(None):
            hit = member.identity == ban["value"] if kind == "identity" else address == ban["value"]
            if hit:
                self._expel(member, banned_refusal(), CloseCode.BANNED)
        if kind == "identity":  # tokens its connections held, the ones that left included
            self.rooms.private.tokens.revoke_identity(ban["value"])
        log.info("banned %s %s (%s)", kind, ban["value"], ban["name"])

    def unban(self, kind: str, value: str) -> bool:
        return self.rooms.bans.remove(kind, value)

    def bans(self) -> list[Ban]:
        return self.rooms.bans.all()

    def delete_message(self, room: str, message_id: int) -> bool:
        """Blank the message in the history (its reactions go too) and send the room's v2 members
        its `update`; False if there is none. Deleting it again changes nothing."""
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            raise ModerationError(
                ModerationCode.MESSAGE_ID_INVALID, f"a message id is an integer, not {message_id!r}"
            )
        was = self.rooms.store.get(room, message_id)
        if was is None:
            return False
        if not was.deleted:
            deleted = self.rooms.store.delete(room, message_id)
            assert deleted is not None
            # Seed clients know no update frame: they keep what they showed, and their next join skips it.
            self.rooms.publish_change(deleted, "delete")
        return True

    def set_edit_window(self, seconds: float) -> None:
        """How long after posting people may edit their messages (0: not at all), from now on. A
        member learns it at its next join (the welcome's limits); a late edit is refused anyway."""
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 <= seconds < float("inf")
        ):
            raise ModerationError(
                ModerationCode.EDIT_WINDOW_INVALID,
                f"an edit window is a number of seconds >= 0, not {seconds!r}",
            )
        self.rooms.edit_window_seconds = float(seconds)

    # Internals -------------------------------------------------------------

    def _connections(self, room: str | None) -> list[tuple[Member, str | None]]:
        addresses = self.rooms.addresses
        members = (
            self.rooms.manager.members_in(room) if room is not None else self.rooms.manager.all_members()
        )
        return [(member, addresses.get(member)) for member in members]

    def _expel(self, member: Member, refusal: Refused, code: CloseCode) -> None:
        farewell: ErrorFrame = {"type": "error", "code": refusal.code, "detail": refusal.detail}
        # The error frame says it in full; a close reason is at most 123 bytes, so a short one.
        reason = "removed by the host" if code == CloseCode.REMOVED else "banned by the host"
        self.rooms.manager.expel(member, farewell, code, reason)
        # Its room tokens stop opening the room's history and files, from any address.
        self.rooms.private.tokens.revoke(member.grants)
