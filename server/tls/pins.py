"""The hosts this installation trusts: per host "address:port", the fingerprint it pinned.

Trust on first use: the first handshake with a host pins the key it presented, unless the
fingerprint was known before the first byte (a join link's `#fp=`, a QR code), and then only that
key is accepted from the start. Every later handshake must present the pinned key; anything else
is a changed identity, a hard stop until the person trusts the new one on purpose (after comparing
safety codes). "Verified" records that the person compared the codes with the host's.

Kept as one small JSON file, 0600, in the data folder, written whole and atomically on each change
(a handful of hosts, changed when a person acts: no database needed).
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from server.storage.private_files import write_private
from server.tls.safety_code import fingerprint_from_link, fingerprint_in_link

__all__ = ["PINS_FILE", "Changed", "Pin", "PinStore", "Trusted", "Verdict"]

log = logging.getLogger("lanchat.tls")

PINS_FILE = "trusted-hosts.json"
_VERSION = 1


@dataclass(frozen=True, slots=True)
class Pin:
    fingerprint: bytes
    first_seen: str  # ISO 8601, UTC
    verified: bool = False


@dataclass(frozen=True, slots=True)
class Trusted:
    """The host presented the key pinned for it (`first_contact`: pinned just now)."""

    pin: Pin
    first_contact: bool
    kind: Literal["trusted"] = "trusted"


@dataclass(frozen=True, slots=True)
class Changed:
    """The host presented another key than the one expected: pinned, or (`from_link`, a first
    contact) named by a join link."""

    expected: bytes
    presented: bytes
    from_link: bool = False
    kind: Literal["changed"] = "changed"


Verdict = Trusted | Changed


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class PinStore:
    """The pins kept in `folder`; safe to use from several threads (the gateway's, the bridge's)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / PINS_FILE
        self._lock = threading.Lock()
        self._pins = self._load()

    @classmethod
    def open_or_set_aside(cls, folder: Path) -> PinStore:
        """The pins kept in `folder`; a file that cannot be read is kept aside (renamed) and the
        window starts with none, rather than not at all. Whoever could damage the file could as
        well have edited it: no trust is lost that the file protected."""
        try:
            return cls(folder)
        except ValueError as exc:
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
            aside = folder / f"{PINS_FILE}.damaged-{stamp}"
            (folder / PINS_FILE).rename(aside)
            log.warning("%s; kept aside as %s: every host is a first contact again", exc, aside.name)
            return cls(folder)

    def _load(self) -> dict[str, Pin]:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # Starting with no pins would trust whoever answers next: refuse to go on instead.
            raise ValueError(f"the trusted hosts in {self.path} cannot be read ({exc})") from exc
        pins: dict[str, Pin] = {}
        for host, entry in (saved.get("hosts") or {}).items():
            try:
                pins[host] = Pin(
                    fingerprint_from_link(str(entry["fingerprint"])),
                    str(entry.get("first_seen", "")),
                    bool(entry.get("verified", False)),
                )
            except (KeyError, TypeError, ValueError):
                log.warning("a trusted host entry for %s cannot be read; it is left out", host)
        return pins

    def _save(self) -> None:
        hosts = {
            host: {
                "fingerprint": fingerprint_in_link(pin.fingerprint),
                "first_seen": pin.first_seen,
                "verified": pin.verified,
            }
            for host, pin in sorted(self._pins.items())
        }
        write_private(self.path, json.dumps({"version": _VERSION, "hosts": hosts}, indent=1) + "\n")

    def get(self, host: str) -> Pin | None:
        with self._lock:
            return self._pins.get(_key(host))

    def check(self, host: str, presented: bytes, expected: bytes | None = None) -> Verdict:
        """The verdict on the key `host` just presented in a handshake; pins it on first contact.

        `expected` is a fingerprint known before the first byte (from a join link): with no pin
        yet, only that key is accepted; with a pin, the pin decides (a link cannot replace it)."""
        key = _key(host)
        with self._lock:
            pin = self._pins.get(key)
            if pin is not None:
                if pin.fingerprint == presented:
                    return Trusted(pin, first_contact=False)
                return Changed(pin.fingerprint, presented)
            if expected is not None and expected != presented:
                return Changed(expected, presented, from_link=True)
            pin = Pin(presented, _now())
            self._pins[key] = pin
            self._save()
            return Trusted(pin, first_contact=True)

    def trust(self, host: str, fingerprint: bytes, *, verified: bool = True) -> Pin:
        """Replace the pin of `host` (the person compared the codes and accepts the new identity)."""
        key = _key(host)
        with self._lock:
            pin = Pin(fingerprint, _now(), verified)
            self._pins[key] = pin
            self._save()
            return pin

    def set_verified(self, host: str, verified: bool) -> Pin | None:
        key = _key(host)
        with self._lock:
            pin = self._pins.get(key)
            if pin is None:
                return None
            pin = Pin(pin.fingerprint, pin.first_seen, verified)
            self._pins[key] = pin
            self._save()
            return pin


def _key(host: str) -> str:
    return host.strip().lower()
