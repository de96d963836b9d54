"""The Unicode TR39 skeleton: one spelling for letters that look alike across scripts.

Unicode's confusables.txt maps each look-alike character to a prototype (Cyrillic capital A to
Latin "A", "m" to "rn"); confusable-homoglyphs ships that table, but only as pairs with the
direction lost and without a skeleton function, so the direction is recovered here.

The table is built on the first name compared, not at import: every process imports this module
(the server's settings reach it), and the window and `lanchat serve` would otherwise pay for it at
start-up. The library's module keeps its whole table (both directions, with a name per entry:
about 25 MiB) for the life of the process, so its data file is read here instead, and only the
one-way map that skeleton() uses is kept (about 5,300 entries).
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib import resources

__all__ = ["prototypes", "skeleton"]

# Where confusable-homoglyphs ships confusables.txt, as {character: [{"c": partner, "n": name}]}.
_DATA_FILE = "confusables.json"


def prototypes(confusables: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    """Each look-alike character and its prototype, from the library's two-way pairs."""
    # Each confusables.txt line (one character -> its prototype) is stored both ways. A prototype
    # is never itself mapped, so a character listing exactly one partner is that partner's source,
    # unless the partner lists only it back: then the pair is one class and either spelling serves,
    # and the lower code point is kept so the choice is stable.
    mapping: dict[str, str] = {}
    for char, partners in confusables.items():
        if len(char) != 1 or len(partners) != 1:
            continue
        target = partners[0]["c"]
        if len(target) == 1 and len(confusables.get(target, ())) == 1 and target > char:
            continue
        mapping[char] = target
    return mapping


@cache
def _translation() -> dict[int, str]:
    # The package itself is light (its version); an import, not a name, so a frozen build bundles it.
    import confusable_homoglyphs

    data = resources.files(confusable_homoglyphs).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    # The parsed table goes when this returns; only the str.translate map of code points stays.
    return {ord(char): target for char, target in prototypes(json.loads(data)).items()}


def skeleton(text: str) -> str:
    """TR39's skeleton(X): NFD, each character to its prototype, NFD again."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", decomposed.translate(_translation()))
