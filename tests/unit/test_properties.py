"""Property tests (hypothesis) of the frame parser, the name rules and the room rules.

The example-based tests beside this file pin the cases we thought of; these generate the ones we
did not: any JSON value or text reaching the parser, any string offered as a name or a room.
The profile (tests/unit/conftest.py) keeps them to a few seconds and, under CI, derandomized.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from server.policy import RENAME_MIN_INTERVAL_SECONDS
from server.protocol.codes import ErrorCode
from server.protocol.limits import (
    MAX_CLIENT_ID_CHARS,
    MAX_FRAME_BYTES,
    MAX_ROOM_CHARS,
    MAX_SENDER_CHARS,
    MAX_TEXT_CHARS,
    ROOM_NAME_PUNCTUATION,
)
from server.protocol.refusals import Refused
from server.rooms.client_frames import ChatMessage, Hello, Typing, decode_frame, parse_client_frame
from server.rooms.member import Member
from server.rooms.names import RoomNames
from server.rooms.rate_limit import RateLimiter
from server.rooms.validation import check_rename, name_key, validate_room, validate_sender

PROTOCOL_MD = (Path(__file__).resolve().parents[2] / "server" / "protocol" / "PROTOCOL.md").read_text(
    encoding="utf-8"
)
# The codes the protocol document's error table names: a refusal must be one a client can look up.
DOCUMENTED_CODES = set(re.findall(r"^\| `([a-z_]+)`", PROTOCOL_MD, re.MULTILINE)) | set(
    re.findall(r" / `([a-z_]+)`", PROTOCOL_MD)
)

ROOM = "general"
JOINERS = "\u200c\u200d"

# JSON values as a client could send them, nested a few levels.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# Values for the fields the parser reads: right and wrong types alike.
field_values = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=40)
    | st.text(max_size=MAX_TEXT_CHARS + 2, alphabet="ab \t")
    | st.sampled_from(["message", "typing", "hello", ROOM, "x" * 22, "", " "])
    | st.lists(st.integers(), max_size=2)
)
client_objects = st.fixed_dictionaries(
    {},
    optional={
        "type": field_values,
        "text": field_values,
        "sender": field_values,
        "room": field_values,
        "client_id": field_values,
        "secret": field_values,
    },
)
# Names drawn from every category, plus the characters the rules single out.
tricky_chars = st.sampled_from(
    "\u202e\u202d\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u2060\ufeff\u180e\u3164\u115f\u00a0\u0301"
    "\u2028\u2029\x00\x1b\x7f\t\n Aa\u0130\u0131\u00df\u1e9e\u03a3\u03c3\u03c2"  # odd case folding
)
names = st.text(alphabet=st.characters() | tricky_chars, max_size=MAX_SENDER_CHARS + 4)
# Mostly names the rules accept (letters, digits, spaces), so a pair of them is seldom thrown away.
likely_names = st.text(
    alphabet=st.characters(categories=["Lu", "Ll", "Lo", "Nd", "Zs"]) | tricky_chars | st.sampled_from("aA"),
    min_size=1,
    max_size=8,
)


def parse(text: str) -> ChatMessage | Typing | Hello:
    return parse_client_frame(decode_frame(text), ROOM)


def assert_documented(refusal: Refused) -> None:
    assert isinstance(refusal.code, ErrorCode)
    assert refusal.code.value in DOCUMENTED_CODES, refusal.code
    assert refusal.detail


def assert_valid(frame: ChatMessage | Typing | Hello) -> None:
    """What the parser lets through is a frame the rest of the server may trust."""
    if isinstance(frame, ChatMessage):
        assert frame.text == frame.text.strip() and 1 <= len(frame.text) <= MAX_TEXT_CHARS
        assert validate_sender(frame.sender) == frame.sender
        assert frame.client_id is None or 1 <= len(frame.client_id) <= MAX_CLIENT_ID_CHARS
    elif isinstance(frame, Typing):
        assert frame.sender is None or validate_sender(frame.sender) == frame.sender
    else:
        assert isinstance(frame, Hello) and frame.secret.isascii()


def test_the_documented_codes_were_found_in_protocol_md():
    assert {"invalid_json", "text_missing", "text_empty", "sender_invalid"} <= DOCUMENTED_CODES


@given(json_values)
def test_any_json_value_parses_to_a_valid_frame_or_a_documented_refusal(value):
    try:
        assert_valid(parse(json.dumps(value)))
    except Refused as refusal:
        assert_documented(refusal)
        if not isinstance(value, dict):
            assert refusal.code == ErrorCode.INVALID_FRAME


@given(client_objects)
def test_any_object_with_right_or_wrong_field_types_parses_or_is_refused_with_a_documented_code(obj):
    try:
        assert_valid(parse(json.dumps(obj)))
    except Refused as refusal:
        assert_documented(refusal)
        client_id = obj.get("client_id")
        if refusal.extra.get("client_id") is not None:
            assert refusal.extra["client_id"] == client_id


@given(st.text() | st.binary().map(lambda raw: raw.decode("utf-8", "surrogateescape")))
def test_any_text_even_undecodable_bytes_parses_or_is_refused_with_a_documented_code(text):
    try:
        assert_valid(parse(text))
    except Refused as refusal:
        assert_documented(refusal)


@given(st.integers(min_value=1, max_value=3000), st.sampled_from(["[", '{"a":']))
def test_json_nested_to_any_depth_is_refused_never_a_crash(depth, opener):
    closer = "]" if opener == "[" else "}"
    text = opener * depth + "1" + closer * depth
    try:
        assert_valid(parse(text))
    except Refused as refusal:
        assert_documented(refusal)  # past the parser's stack (about 1,000 levels): invalid_json


@given(st.integers(min_value=MAX_FRAME_BYTES - 8, max_value=MAX_FRAME_BYTES + 8), st.sampled_from(["a", "я"]))
def test_a_frame_is_refused_as_too_large_exactly_past_its_byte_limit(size, letter):
    overhead = len('{"text":"","sender":"a"}')
    body = letter * ((size - overhead) // len(letter.encode()))
    text = '{"text":"' + body + '","sender":"a"}'
    try:
        parse(text)
    except Refused as refusal:
        assert (refusal.code == ErrorCode.FRAME_TOO_LARGE) is (len(text.encode()) > MAX_FRAME_BYTES)
    else:
        raise AssertionError("a text over MAX_TEXT_CHARS must be refused one way or another")


# Names ------------------------------------------------------------------------


def accepted(name: str) -> str | None:
    try:
        return validate_sender(name)
    except Refused as refusal:
        assert_documented(refusal)
        return None


@given(names)
def test_normalizing_a_name_twice_changes_nothing(name):
    stored = accepted(name)
    assume(stored is not None)
    assert validate_sender(stored) == stored
    assert name_key(name_key(stored)) == name_key(stored)


@given(names)
def test_a_stored_name_has_no_control_formatting_or_invisible_characters(name):
    stored = accepted(name)
    assume(stored is not None)
    assert stored == stored.strip() == unicodedata.normalize("NFC", stored)
    assert 1 <= len(stored) <= MAX_SENDER_CHARS
    for index, ch in enumerate(stored):
        category = unicodedata.category(ch)
        assert category not in ("Cc", "Cs", "Zl", "Zp"), repr(stored)
        if category == "Cf":
            # Only a joiner between two non-ASCII letters, marks or symbols (Persian, emoji).
            assert ch in JOINERS and 0 < index < len(stored) - 1, repr(stored)
            assert not stored[index - 1].isascii() and not stored[index + 1].isascii()
    assert not any(unicodedata.category(ch) == "Cf" for ch in name_key(stored))
    assert any(unicodedata.category(ch)[0] in "LNPS" for ch in stored)


@given(likely_names, likely_names)
def test_names_clash_the_same_way_whichever_is_held_first(first, second):
    a, b = accepted(first), accepted(second)
    assume(a is not None and b is not None)

    def refused(holder_name: str, claimer_name: str) -> bool:
        names_ = RoomNames(lambda *_: None)
        holder, claimer = Member(None, ROOM, None, True), Member(None, ROOM, None, True)  # type: ignore[arg-type]
        holder.identity, claimer.identity = "a" * 16, "b" * 16
        names_.claim(holder, holder_name)
        try:
            names_.claim(claimer, claimer_name)
        except Refused as refusal:
            assert refusal.code == ErrorCode.NAME_TAKEN
            return True
        return False

    clash = refused(a, b)
    assert clash == refused(b, a) == (name_key(a) == name_key(b))


@given(names)
def test_case_and_spacing_variants_of_a_held_name_clash_with_it(name):
    stored = accepted(name)
    assume(stored is not None)
    for variant in (stored.upper(), stored.lower(), stored.casefold(), stored.replace(" ", "\u00a0")):
        other = accepted(variant)
        if other is not None and unicodedata.normalize("NFC", variant.casefold()) == stored.casefold():
            assert name_key(other) == name_key(stored)


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["Alice", "alice", "ALICE ", "Bob", "Аня"])), max_size=30
    )
)
def test_however_members_claim_names_no_name_is_held_by_two_identities(claims):
    names_ = RoomNames(lambda *_: None)
    members = [Member(None, ROOM, None, True) for _ in range(6)]  # type: ignore[arg-type]
    for index, member in enumerate(members):
        member.identity = None if index >= 4 else f"{index:016x}"  # two clients without identity
        member.settled = True
    for who, name in claims:
        try:
            names_.claim(members[who], validate_sender(name))  # type: ignore[arg-type]
        except Refused as refusal:
            assert refusal.code in (ErrorCode.NAME_TAKEN, ErrorCode.NAME_CHANGE_TOO_SOON)
    holders: dict[str, set[str | None]] = {}
    for member in members:
        if member.name is not None:
            holders.setdefault(name_key(member.name), set()).add(member.identity)
    for identities in holders.values():
        # One identity, or only clients without one: never two identities, never a mix.
        assert len(identities) == 1, holders
    assert len(names_.members_of(ROOM)) == len(holders)


# Room rules -----------------------------------------------------------------------

room_chars = st.characters() | st.sampled_from(ROOM_NAME_PUNCTUATION + "/?#%\\")


@given(st.text(alphabet=room_chars, max_size=MAX_ROOM_CHARS + 3))
def test_an_accepted_room_name_keeps_every_naming_rule(room):
    try:
        assert validate_room(room) == room
    except Refused as refusal:
        assert refusal.code == ErrorCode.ROOM_INVALID
        return
    assert 1 <= len(room) <= MAX_ROOM_CHARS
    assert room == room.strip(" ") and set(room) != {"."}
    for ch in room:
        if ch not in ROOM_NAME_PUNCTUATION:
            assert unicodedata.category(ch)[0] in "LN", repr(ch)


@given(st.lists(st.floats(min_value=0, max_value=5), max_size=80), st.integers(1, 40), st.floats(0.5, 50))
def test_a_rate_limiter_never_lets_more_through_than_its_burst_plus_its_rate(gaps, burst, per_second):
    now = [0.0]
    limiter = RateLimiter(burst, per_second, clock=lambda: now[0])
    passed = 0
    for gap in gaps:
        now[0] += gap
        try:
            limiter.take()
            passed += 1
        except Refused as refusal:
            assert refusal.code == ErrorCode.RATE_LIMITED
            assert 0 < refusal.extra["retry_after"] <= 1 / per_second + 0.001
    assert passed <= burst + now[0] * per_second + 1e-6


@given(st.floats(-1e6, 1e6), st.floats(0, 2 * RENAME_MIN_INTERVAL_SECONDS))
def test_a_rename_is_refused_exactly_within_the_rename_interval(renamed_at, elapsed):
    try:
        check_rename(renamed_at, renamed_at + elapsed)
    except Refused as refusal:
        assert refusal.code == ErrorCode.NAME_CHANGE_TOO_SOON
        assert elapsed < RENAME_MIN_INTERVAL_SECONDS
        assert 0 < refusal.extra["retry_after"] <= RENAME_MIN_INTERVAL_SECONDS
    else:
        assert elapsed >= RENAME_MIN_INTERVAL_SECONDS - 1e-6 * max(1.0, abs(renamed_at))
