"""A host's fingerprint as people compare it: the safety code, and the form a join link carries.

The code is 25 decimal digits in five groups of five (83 bits of the fingerprint): short enough to
read aloud, long enough that nobody can grind a key whose code matches (a 32-bit code could be
matched in hours). Digits read the same in every language the UI speaks. A link carries the whole
fingerprint (base64url, 43 characters), so joining by link pins all 256 bits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

__all__ = ["SAFETY_CODE_DIGITS", "fingerprint_from_link", "fingerprint_in_link", "safety_code"]

SAFETY_CODE_DIGITS = 25
_GROUP = 5


def safety_code(fingerprint: bytes) -> str:
    """ "12345 67890 12345 67890 12345" for a 32-byte fingerprint."""
    if len(fingerprint) != 32:
        raise ValueError("a fingerprint is 32 bytes (SHA-256)")
    digest = hashlib.sha256(b"lanchat-safety-code\x00" + fingerprint).digest()
    number = int.from_bytes(digest[:16], "big") % 10**SAFETY_CODE_DIGITS
    digits = f"{number:0{SAFETY_CODE_DIGITS}d}"
    return " ".join(digits[i : i + _GROUP] for i in range(0, SAFETY_CODE_DIGITS, _GROUP))


def fingerprint_in_link(fingerprint: bytes) -> str:
    return base64.urlsafe_b64encode(fingerprint).rstrip(b"=").decode("ascii")


def fingerprint_from_link(text: str) -> bytes:
    """The fingerprint a link's `#fp=` carries; ValueError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not a fingerprint") from exc
    if len(raw) != 32 or fingerprint_in_link(raw) != text:
        raise ValueError("not a fingerprint")
    return raw
