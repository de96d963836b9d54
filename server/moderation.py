"""Host controls: remove a member from a room, ban an identity or an address, delete a message.

Only the host's own window reaches these: desktop/host_controls.py calls them through the
pywebview bridge, on the server's event loop. No HTTP route or frame leads here, so nothing on
the network (a peer, a page in someone's browser) can moderate, hosting or not.

Bans outlive restarts in the data folder (`bans.json`, mode 0600, replaced atomically). The file
holds identity ids (hashes, never a secret) and addresses, each with the name it was banned under
so that the unban list says who it was.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict

from .client_limits import is_loopback_address
from .protocol import IDENTITY_ID_CHARS, CloseCode, ErrorCode, ErrorFrame
from .rules import Refused, name_key

if TYPE_CHECKING:
    from .chat import ChatRooms
    from .hub import Member

__all__ = [
    "BANS_FILE",
    "MAX_BANS",
    "MAX_REASON_CHARS",
    "Ban",
    "BanList",
    "HostControls",
    "MemberInfo",
    "ModerationError",
]

log = logging.getLogger("lanchat.moderation")

BANS_FILE = "bans.json"
# Bans the host keeps; past it a new ban is refused (the list is shown whole in the window).
MAX_BANS = 1000
# What the host may say to a removed member, in characters.
MAX_REASON_CHARS = 200

BanKind = Literal["identity", "address"]


class ModerationError(ValueError):
    """A host control that cannot be done as asked; the sentence is for the host."""


class Ban(TypedDict):
    kind: BanKind
    value: str  # an identity id or an IP address
    name: str  # who it was when banned, for the unban list ("" if unknown)
    at: float  # seconds since the epoch


class MemberInfo(TypedDict):
    """A member as the host's window sees it: never a secret, only the id derived from it."""

    name: str | None
    identity: str | None
    address: str | None


def _check_address(address: object) -> str:
    try:
        normal = str(ipaddress.ip_address(str(address)))
    except ValueError:
        raise ModerationError(f"{address!r} is not an IP address") from None
    if is_loopback_address(normal):
        raise ModerationError("This machine's own address cannot be banned: the window uses it.")
    return normal


def _check_identity(identity: object) -> str:
    text = str(identity)
    if len(text) != IDENTITY_ID_CHARS or any(ch not in "0123456789abcdef" for ch in text):
        raise ModerationError(f"{text!r} is not an identity id ({IDENTITY_ID_CHARS} hex digits)")
    return text


class BanList:
    """Who may not connect. `path` None keeps the bans in memory only (tests, no data folder)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._bans: dict[tuple[str, str], Ban] = {}
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            # Unreadable bans must not keep the host from starting; they are logged, not lost
            # silently: the file stays until the next ban replaces it.
            log.error("could not read the bans in %s: %s", path, exc)
            return
        for entry in entries if isinstance(entries, list) else []:
            with contextlib.suppress(KeyError, TypeError, ValueError, ModerationError):
                kind = entry["kind"]
                value = (
                    _check_identity(entry["value"]) if kind == "identity" else _check_address(entry["value"])
                )
                self._bans[(kind, value)] = {
                    "kind": kind,
                    "value": value,
                    "name": str(entry.get("name", "")),
                    "at": float(entry.get("at", 0)),
                }

    def all(self) -> list[Ban]:
        return sorted(self._bans.values(), key=lambda ban: ban["at"])

    def banned_identity(self, identity: str | None) -> bool:
        return identity is not None and ("identity", identity) in self._bans

    def banned_address(self, address: str | None) -> bool:
        if address is None:
            return False
        with contextlib.suppress(ValueError):
            address = str(ipaddress.ip_address(address))
        return ("address", address) in self._bans

    def add(self, kind: BanKind, value: str, name: str) -> Ban:
        value = _check_identity(value) if kind == "identity" else _check_address(value)
        if (kind, value) not in self._bans and len(self._bans) >= MAX_BANS:
            raise ModerationError(f"The host keeps at most {MAX_BANS} bans; lift one first.")
        ban: Ban = {"kind": kind, "value": value, "name": name, "at": time.time()}
        self._bans[(kind, value)] = ban
        self._save()
        return ban

    def remove(self, kind: str, value: str) -> bool:
        if self._bans.pop((kind, str(value)), None) is None:
            return False
        self._save()
        return True

    def _save(self) -> None:
        if self.path is None:
            return
        _write_private(self.path, json.dumps(self.all(), ensure_ascii=False, indent=1))


def _write_private(path: Path, text: str) -> None:
    # The server's copy of desktop/private_files.write_private (server/ does not import desktop/):
    # mode 0600, flushed, then renamed over the old file, so a crash leaves the old list or the new.
    partial = path.with_name(f".{path.name}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def banned_refusal() -> Refused:
    return Refused(ErrorCode.BANNED, "The host of this server has banned you; you cannot join its rooms.")


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
            raise ModerationError(f"a ban is of an identity or an address, not {kind!r}")
        ban = self.rooms.bans.add(kind, value, str(name)[:64])
        for member, address in self._connections(None):
            hit = member.identity == ban["value"] if kind == "identity" else address == ban["value"]
            if hit:
                self._expel(member, banned_refusal(), CloseCode.BANNED)
        log.info("banned %s %s (%s)", kind, ban["value"], ban["name"])
        return ban

    def unban(self, kind: str, value: str) -> bool:
        return self.rooms.bans.remove(kind, value)

    def bans(self) -> list[Ban]:
        return self.rooms.bans.all()

    def delete_message(self, room: str, message_id: int) -> bool:
        """Blank the message in the history (its reactions go too) and send the room's v2 members
        its `update`; False if there is none. Deleting it again changes nothing."""
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            raise ModerationError(f"a message id is an integer, not {message_id!r}")
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
            raise ModerationError(f"an edit window is a number of seconds >= 0, not {seconds!r}")
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
