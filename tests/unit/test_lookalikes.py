"""The look-alike table, built on first use from confusable-homoglyphs' data file, gives the
skeletons that the library's own loaded table gave when it was built at import."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from confusable_homoglyphs.confusables import confusables_data

from server.rooms.lookalikes import prototypes, skeleton

CASES = json.loads((Path(__file__).parent.parent / "cases" / "names.json").read_text(encoding="utf-8"))
# Every name in the table the server's and the UI's name tests share.
SHARED_NAMES = sorted(
    {case["name"] for case in CASES["rooms"] + CASES["senders"]}
    | {case[side] for case in CASES["name_clashes"] for side in ("a", "b")}
)
EAGER_PROTOTYPES = prototypes(confusables_data)


def eager_skeleton(text: str) -> str:
    """skeleton() as it was: the table from the library's module, applied character by character."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(EAGER_PROTOTYPES.get(ch, ch) for ch in decomposed))


@pytest.mark.parametrize("name", SHARED_NAMES)
def test_each_name_of_the_shared_table_has_the_skeleton_the_library_table_gave(name):
    assert skeleton(name) == eager_skeleton(name)


def test_every_character_the_library_knows_has_the_skeleton_the_library_table_gave():
    for char in confusables_data:
        assert skeleton(char) == eager_skeleton(char), f"U+{ord(char[0]):04X}"
