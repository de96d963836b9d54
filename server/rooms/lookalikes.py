"""The Unicode TR39 skeleton: one spelling for letters that look alike across scripts.

Unicode's confusables.txt maps each look-alike character to a prototype (Cyrillic capital A to
Latin "A", "m" to "rn"); confusable-homoglyphs ships that table, but only as pairs with the
direction lost and without a skeleton function, so the direction is recovered here, at import.
"""

from __future__ import annotations

import unicodedata

from confusable_homoglyphs.confusables import confusables_data

__all__ = ["skeleton"]


def _prototypes() -> dict[str, str]:
    # Each confusables.txt line (one character -> its prototype) is stored both ways. A prototype
    # is never itself mapped, so a character listing exactly one partner is that partner's source,
    # unless the partner lists only it back: then the pair is one class and either spelling serves,
    # and the lower code point is kept so the choice is stable.
    mapping: dict[str, str] = {}
    for char, partners in confusables_data.items():
        if len(char) != 1 or len(partners) != 1:
            continue
        target = partners[0]["c"]
        if len(target) == 1 and len(confusables_data.get(target, ())) == 1 and target > char:
            continue
        mapping[char] = target
    return mapping


_PROTOTYPES = _prototypes()


def skeleton(text: str) -> str:
    """TR39's skeleton(X): NFD, each character to its prototype, NFD again."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(_PROTOTYPES.get(ch, ch) for ch in decomposed))
