"""What a valid room, sender and identity secret are, and when two names are the same name."""

from __future__ import annotations

import re
import unicodedata

from server.policy import RENAME_MIN_INTERVAL_SECONDS
from server.protocol.codes import ErrorCode
from server.protocol.limits import (
    IDENTITY_SECRET_CHARS,
    IDENTITY_SECRET_MAX_CHARS,
    IDENTITY_SECRET_MIN_CHARS,
    MAX_MESSAGE_ID,
    MAX_NUMBER_DIGITS,
    MAX_ROOM_CHARS,
    MAX_SENDER_CHARS,
    ROOM_NAME_PUNCTUATION,
)
from server.protocol.refusals import Refused
from server.rooms.direct import direct_pair
from server.rooms.lookalikes import skeleton
from server.rooms.rate_limit import retry_after_seconds
from server.visible_text import JOINERS, draws_nothing, hidden_character

# Letters and digits of any script plus ROOM_NAME_PUNCTUATION. \w would also admit
# combining marks and connector punctuation, so spell it out.
_ROOM_CHAR = re.compile(rf"[^\W_]|[{re.escape(ROOM_NAME_PUNCTUATION)}]")


def validate_room(room: str) -> str:
    if direct_pair(room) is not None:  # "@" and ":" are refused below, so no ordinary room looks so
        return room
    if not room:
        raise Refused(ErrorCode.ROOM_INVALID, "The room name is empty.")
    if len(room) > MAX_ROOM_CHARS:
        raise Refused(
            ErrorCode.ROOM_INVALID,
            f"The room name has {len(room)} characters; at most {MAX_ROOM_CHARS} are allowed.",
        )
    bad = [ch for ch in room if not _ROOM_CHAR.fullmatch(ch) or draws_nothing(ch)]
    if bad:
        raise Refused(
            ErrorCode.ROOM_INVALID,
            f"The room name contains {bad[0]!r}; use letters, digits, spaces, '-', '_' and '.'.",
        )
    if room != room.strip():
        raise Refused(ErrorCode.ROOM_INVALID, "The room name starts or ends with a space.")
    if set(room) == {"."}:
        raise Refused(ErrorCode.ROOM_INVALID, "The room name cannot be only dots.")
    return room


# Characters a name may not contain: controls (Cc), formatting (Cf: bidi overrides such as
# U+202E, which make "\u202eecilA" render as "Alice"; zero-width spaces; U+FEFF; U+180E),
# surrogates (Cs), line and paragraph separators (Zl, Zp).
def _name_problem(name: str) -> str | None:
    """Why a trimmed, NFC name cannot be shown as it is, or None."""
    hidden = hidden_character(name)
    if hidden is not None:
        return hidden
    if not any(unicodedata.category(ch)[0] in "LNPS" for ch in name):
        return "nothing visible"
    return None


def validate_sender(sender: object, *, missing_ok: bool = False) -> str | None:
    """A display name as it is stored and shown: trimmed, NFC, nothing invisible or misleading."""
    if sender is None:
        if missing_ok:
            return None
        raise Refused(ErrorCode.SENDER_MISSING, "The message has no sender.")
    if not isinstance(sender, str):
        raise Refused(ErrorCode.SENDER_MISSING, f"The sender must be a string, not {type(sender).__name__}.")
    sender = unicodedata.normalize("NFC", sender.strip())
    if not sender:
        raise Refused(ErrorCode.SENDER_EMPTY, "The sender name is empty.")
    if len(sender) > MAX_SENDER_CHARS:
        raise Refused(
            ErrorCode.SENDER_TOO_LONG,
            f"The sender name has {len(sender)} characters; at most {MAX_SENDER_CHARS} are allowed.",
        )
    problem = _name_problem(sender)
    if problem is not None:
        raise Refused(
            ErrorCode.SENDER_INVALID,
            f"The sender name contains {problem}; use visible letters, digits, spaces and punctuation.",
        )
    return sender


def as_a_member_has_them(room: object, name: object) -> bool:
    """Whether `room` and `name` are exactly as a member's own would be once validated: for
    what a cluster's node hears through its database, which any role that may connect may
    NOTIFY (server/cluster)."""
    if not isinstance(room, str) or not isinstance(name, str):
        return False
    try:
        return validate_room(room) == room and validate_sender(name) == name
    except Refused:
        return False


def validate_secret(secret: object) -> str:
    """The hello's identity secret."""
    if not isinstance(secret, str):
        raise Refused(ErrorCode.SECRET_INVALID, "A hello needs a secret, a string.")
    if (
        not IDENTITY_SECRET_MIN_CHARS <= len(secret) <= IDENTITY_SECRET_MAX_CHARS
        or not set(secret) <= _SECRET_CHARS
    ):
        raise Refused(
            ErrorCode.SECRET_INVALID,
            f"The secret must be {IDENTITY_SECRET_MIN_CHARS} to {IDENTITY_SECRET_MAX_CHARS} characters"
            " of A-Z, a-z, 0-9, '-' and '_' (base64url of at least 16 random bytes).",
        )
    return secret


_SECRET_CHARS = frozenset(IDENTITY_SECRET_CHARS)


def name_key(name: str) -> str:
    """What two names must share to be the same name: "Аня", "аня" and "Ан\u200dя" clash, and so
    do look-alikes from other scripts ("Anna" spelled with a Cyrillic first letter): the TR39 skeleton.
    Accents still tell names apart ("Лена"/"Лёна"); TR39 also folds digits into letters they
    look like ("0"/"O", "1"/"l"), which we accept: a name that differs only so is an impostor.

    This key folds case first; name_keys gives it with the key that takes the skeleton first:
    names sharing either are one name."""
    return name_keys(name)[0]


def name_keys(name: str) -> tuple[str, str]:
    """The two keys of a name: case folded before the skeleton, and after it.

    Each catches what the other lets through. Folding first makes "ALICE" and "alice" one name
    (the skeleton alone maps a capital I to "l" and would keep them apart); the skeleton first
    makes "AIice" (a capital I for the l) and "Alice" one name (folding first would turn the I
    into an "i", which looks like no "l")."""
    # Joiners draw nothing and runs of spaces (a no-break space among them) look like one space;
    # casefold can leave a string unnormalized (it expands some letters), so normalize after it.
    visible = unicodedata.normalize("NFC", " ".join("".join(ch for ch in name if ch not in JOINERS).split()))
    return _settled(unicodedata.normalize("NFC", visible.casefold())), _settled(visible)


def _settled(key: str) -> str:
    # A prototype can be a capital ("0" -> "O"), which casefold then lowers and the skeleton may
    # map on: repeat until nothing changes, so a key is its own key.
    for _ in range(_SKELETON_ROUNDS):
        folded = unicodedata.normalize("NFC", skeleton(key).casefold())
        if folded == key:
            break
        key = folded
    return key


# Every name seen so far settles in two rounds; the bound only stops a pathological cycle.
_SKELETON_ROUNDS = 8


def check_rename(renamed_at: float, now: float) -> None:
    """A connection last renamed at `renamed_at` (monotonic seconds) renames again at `now`."""
    wait = renamed_at + RENAME_MIN_INTERVAL_SECONDS - now
    if wait > 0:
        retry_after = retry_after_seconds(wait)
        raise Refused(
            ErrorCode.NAME_CHANGE_TOO_SOON,
            f"You changed your name less than {RENAME_MIN_INTERVAL_SECONDS:g} s ago;"
            f" keep your current name or retry in {retry_after:g} s.",
            retry_after=retry_after,
        )


def validate_after(after: str | None) -> int | None:
    """The `after` query parameter: the last message id a reconnecting client saw."""
    if after is None or after == "":
        return None
    if not after.isascii() or not after.isdigit() or int(after[: MAX_NUMBER_DIGITS + 1]) > MAX_MESSAGE_ID:
        raise Refused(
            ErrorCode.QUERY_INVALID, f"'after' must be a message id (a whole number >= 0), not {after!r}."
        )
    return int(after)


def validate_version(value: str | None) -> int:
    """The `v` query parameter; absent means the seed protocol (1)."""
    if value is None or value == "":
        return 1
    if not value.isascii() or not value.isdigit() or len(value) > MAX_NUMBER_DIGITS:
        raise Refused(ErrorCode.QUERY_INVALID, f"'v' must be a protocol version number, not {value!r}.")
    return int(value)
