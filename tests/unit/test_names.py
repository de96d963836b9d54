"""The room and sender rules against the table of cases the UI is tested with too."""

import json
from pathlib import Path
from typing import Any

import pytest

from server.protocol.codes import ErrorCode
from server.protocol.limits import MAX_ROOM_CHARS, MAX_SENDER_CHARS
from server.protocol.refusals import Refused
from server.rooms.validation import name_key, name_keys, validate_room, validate_sender

CASES = json.loads((Path(__file__).parent.parent / "cases" / "names.json").read_text(encoding="utf-8"))

# The UI gives finer reasons than the server's codes; this is how they correspond.
SENDER_CODES = {
    "name_empty": ErrorCode.SENDER_EMPTY,
    "name_too_long": ErrorCode.SENDER_TOO_LONG,
    "name_invalid": ErrorCode.SENDER_INVALID,
}


def spelled(case: dict[str, Any], limit: int) -> str:
    times = {None: 1, "limit": limit, "limit+1": limit + 1}[case.get("times")]
    return case["name"] * times


@pytest.mark.parametrize("case", CASES["rooms"], ids=lambda case: repr(case))
def test_room_names_are_judged_as_the_shared_table_says(case):
    room = spelled(case, MAX_ROOM_CHARS)
    if case["problem"] is None:
        assert validate_room(room) == room
    else:
        with pytest.raises(Refused) as caught:
            validate_room(room)
        assert caught.value.code == ErrorCode.ROOM_INVALID


@pytest.mark.parametrize("case", CASES["senders"], ids=lambda case: repr(case))
def test_sender_names_are_judged_as_the_shared_table_says(case):
    sender = spelled(case, MAX_SENDER_CHARS)
    if case["problem"] is None:
        assert validate_sender(sender) == case.get("stored", sender)
    else:
        with pytest.raises(Refused) as caught:
            validate_sender(sender)
        assert caught.value.code == SENDER_CODES[case["problem"]]


@pytest.mark.parametrize("case", CASES["name_clashes"], ids=lambda case: repr(case))
def test_names_clash_as_the_shared_table_says(case):
    assert (name_key(validate_sender(case["a"])) == name_key(validate_sender(case["b"]))) is case["same"]


# TR39 look-alikes: the server only (the UI's nameKey has no confusables table; the server's
# name_taken refusal is what stops an impostor).
LOOK_ALIKES = [
    ("Anna", "\u0410nna"),  # CYRILLIC CAPITAL LETTER A
    ("Anna", "\u0391nna"),  # GREEK CAPITAL LETTER ALPHA
    ("paypal", "\u0440\u0430\u0443\u0440\u0430l"),  # Cyrillic er, a, u
    ("Ёлка", "\u00cb\u043b\u043a\u0430"),  # LATIN CAPITAL LETTER E WITH DIAERESIS for Ё
    ("Bob0", "BobO"),  # digit zero and letter O: TR39 folds them, and so do we
    ("Alice", "AIice"),  # a capital I for the l: folding first would make it an i
    ("Alice", "A\u0406ice"),  # CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I for the l
    ("ALICE", "alice"),  # case still folds, whichever key sees it
]
DIFFERENT = [
    ("Anna", "Anne"),
    ("Аня", "Ана"),
    ("Лена", "Лёна"),
    ("Rene", "René"),
    ("Ivan", "I\u0432\u0430\u043d"),
]


@pytest.mark.parametrize(("a", "b"), LOOK_ALIKES)
def test_names_that_look_alike_across_scripts_are_one_name(a, b):
    assert set(name_keys(validate_sender(a))) & set(name_keys(validate_sender(b)))


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_names_that_look_different_stay_two_names(a, b):
    assert not set(name_keys(validate_sender(a))) & set(name_keys(validate_sender(b)))
