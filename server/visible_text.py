"""What text shows: characters that draw nothing or reorder what follows them.

A name (a person's, a room's, a file's) is read by people, so one must look like nothing else:
"Alice" followed by a character that draws nothing is "Alice" on screen, and a right-to-left
override makes "invoice\u202efdp.exe" read "invoiceexe.pdf". Plain functions, no I/O.
"""

from __future__ import annotations

import unicodedata

__all__ = ["JOINERS", "draws_nothing", "hidden_character"]

_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Letters and symbols that draw nothing: a name made of them, or ending in one, looks like another.
_BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): code points a renderer draws
# as nothing, so "Alice" followed by one looks exactly like "Alice". Most are formatting (Cf) and
# refused as such; these are the ones of other categories: the combining grapheme joiner, Hangul
# and Mongolian fillers and selectors, variation selectors, unassigned ignorables, and the tags
# and variation selectors of plane 14.
_DEFAULT_IGNORABLE = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2065, 0x2065),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0FFF),
)
# Joiners are formatting characters that some scripts need (Persian, the Indic scripts) and emoji
# sequences use; they are allowed between two characters of that kind, never next to ASCII.
JOINERS = frozenset("\u200c\u200d")
# The emoji variation selectors (text or emoji style) are allowed right after a symbol ("❤️").
_EMOJI_SELECTORS = frozenset("\ufe0e\ufe0f")


def _default_ignorable(ch: str) -> bool:
    code = ord(ch)
    return unicodedata.category(ch) == "Cf" or any(low <= code <= high for low, high in _DEFAULT_IGNORABLE)


def _joiner_allowed(before: str, after: str) -> bool:
    def joinable(ch: str) -> bool:
        return not ch.isascii() and unicodedata.category(ch)[0] in "LMS"

    return joinable(before) and joinable(after)


def draws_nothing(ch: str) -> bool:
    """Controls, formatting, separators, blank letters and Default_Ignorable code points."""
    return (
        unicodedata.category(ch) in _FORBIDDEN_CATEGORIES or ch in _BLANK_LOOKALIKES or _default_ignorable(ch)
    )


def hidden_character(text: str) -> str | None:
    """The first character of `text` that draws nothing where it stands, named ("U+202E (RIGHT-TO-
    LEFT OVERRIDE)"), or None. Joiners between two letters of scripts that need them and an
    emoji's variation selector after its symbol are where they belong."""
    for index, ch in enumerate(text):
        if ch in JOINERS and 0 < index < len(text) - 1 and _joiner_allowed(text[index - 1], text[index + 1]):
            continue
        if ch in _EMOJI_SELECTORS and index > 0 and unicodedata.category(text[index - 1])[0] == "S":
            continue
        if draws_nothing(ch):
            return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'unnamed')})"
    return None
