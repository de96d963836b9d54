"""Bans: identities and addresses the host has shut out, kept in the data folder (bans.json, 0600)."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import time
from enum import StrEnum
from pathlib import Path
from typing import Literal, TypedDict

from server.addresses import is_local_client
from server.protocol.codes import ErrorCode
from server.protocol.limits import IDENTITY_ID_CHARS
from server.protocol.refusals import Refused
from server.storage.private_files import write_private

__all__ = [
    "BANS_FILE",
    "MAX_BANS",
    "Ban",
    "BanKind",
    "BanList",
    "ModerationCode",
    "ModerationError",
    "banned_refusal",
]

log = logging.getLogger("lanchat.moderation")

BANS_FILE = "bans.json"
# Bans the host keeps; past it a new ban is refused (the list is shown whole in the window).
MAX_BANS = 1000

BanKind = Literal["identity", "address"]


class Ban(TypedDict):
    kind: BanKind
    value: str  # an identity id or an IP address
    name: str  # who it was when banned, for the unban list ("" if unknown)
    at: float  # seconds since the epoch


def _check_address(address: object) -> str:
    try:
        normal = str(ipaddress.ip_address(str(address)))
    except ValueError:
        raise ModerationError(ModerationCode.ADDRESS_INVALID, f"{address!r} is not an IP address") from None
    if is_local_client(normal):
        raise ModerationError(
            ModerationCode.OWN_ADDRESS, "This machine's own address cannot be banned: the window uses it."
        )
    return normal


def _check_identity(identity: object) -> str:
    text = str(identity)
    if len(text) != IDENTITY_ID_CHARS or any(ch not in "0123456789abcdef" for ch in text):
        raise ModerationError(
            ModerationCode.IDENTITY_INVALID,
            f"{text!r} is not an identity id ({IDENTITY_ID_CHARS} hex digits)",
        )
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
            # Unreadable bans must not keep the host from starting, nor be lost: the file is kept
            # aside under a name with the time, so the next ban cannot overwrite it.
            aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
            with contextlib.suppress(OSError):
                path.replace(aside)
            log.error("could not read the bans in %s (%s); kept as %s", path, exc, aside.name)
            return
        self._keep_valid(entries if isinstance(entries, list) else [])

    def _keep_valid(self, entries: list[Ban]) -> None:
        """Hold the entries that pass the checks; the others are left out (a hand-edited file,
        another version's rows)."""
        for entry in entries:
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
            raise ModerationError(
                ModerationCode.TOO_MANY_BANS, f"The host keeps at most {MAX_BANS} bans; lift one first."
            )
        ban: Ban = {"kind": kind, "value": value, "name": name, "at": time.time()}
        self._bans[(kind, value)] = ban
        self._save()
        return ban

    def replace_all(self, bans: list[Ban]) -> list[Ban]:
        """Hold exactly `bans` (the cluster's, as its database keeps them); the ones new here."""
        before = self._bans
        self._bans = {}
        self._keep_valid(bans)
        self._save()
        return [ban for key, ban in self._bans.items() if key not in before]

    def remove(self, kind: str, value: str) -> bool:
        if self._bans.pop((kind, str(value)), None) is None:
            return False
        self._save()
        return True

    def _save(self) -> None:
        if self.path is None:
            return
        write_private(self.path, json.dumps(self.all(), ensure_ascii=False, indent=1))


def banned_refusal() -> Refused:
    return Refused(ErrorCode.BANNED, "The host of this server has banned you; you cannot join its rooms.")


class ModerationCode(StrEnum):
    """What a host control refused, named: the window's page says it in the host's language
    (`hostRefusal.<code>` in ui/src/locales)."""

    ADDRESS_INVALID = "ban_address_invalid"
    OWN_ADDRESS = "ban_own_address"  # loopback: the window's own page connects from it
    IDENTITY_INVALID = "ban_identity_invalid"
    TOO_MANY_BANS = "too_many_bans"
    KIND_INVALID = "ban_kind_invalid"
    MESSAGE_ID_INVALID = "message_id_invalid"
    EDIT_WINDOW_INVALID = "edit_window_invalid"


class ModerationError(ValueError):
    """A host control that cannot be done as asked: its `code`, and a sentence for the log."""

    def __init__(self, code: ModerationCode, sentence: str) -> None:
        super().__init__(sentence)
        self.code = code
