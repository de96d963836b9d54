"""The room rules, without sockets."""

import pytest

from server.protocol.codes import ErrorCode
from server.protocol.limits import (
    MAX_CLIENT_ID_CHARS,
    MAX_FRAME_BYTES,
    MAX_ROOM_CHARS,
    MAX_SENDER_CHARS,
    MAX_TEXT_CHARS,
)
from server.protocol.refusals import Refused
from server.rooms.client_frames import ChatMessage, Typing, decode_frame, parse_client_frame
from server.rooms.rate_limit import RateLimiter
from server.rooms.validation import validate_after, validate_room, validate_sender, validate_version
from server.web.origin import origin_allowed


def refused_code(call, *args, **kwargs) -> str:
    with pytest.raises(Refused) as caught:
        call(*args, **kwargs)
    return caught.value.code


@pytest.mark.parametrize(
    "room", ["general", "Общий чат", "team-1_b.v2", "a", "x" * MAX_ROOM_CHARS, "Ёлка 2026"]
)
def test_valid_room_names_are_accepted_as_given(room):
    assert validate_room(room) == room


@pytest.mark.parametrize(
    "room",
    [
        "",
        "x" * (MAX_ROOM_CHARS + 1),
        "a/b",
        "a?b",
        "<script>",
        " lead",
        "trail ",
        "..",
        ".",
        "tab\there",
        "emoji🙂",
    ],
)
def test_invalid_room_names_are_refused(room):
    assert refused_code(validate_room, room) == ErrorCode.ROOM_INVALID


def test_sender_is_trimmed_and_limited_to_its_maximum():
    assert validate_sender("  Аня  ") == "Аня"
    assert validate_sender("я" * MAX_SENDER_CHARS) == "я" * MAX_SENDER_CHARS
    assert refused_code(validate_sender, "я" * (MAX_SENDER_CHARS + 1)) == ErrorCode.SENDER_TOO_LONG
    assert refused_code(validate_sender, "   ") == ErrorCode.SENDER_EMPTY
    assert refused_code(validate_sender, None) == ErrorCode.SENDER_MISSING
    assert refused_code(validate_sender, 42) == ErrorCode.SENDER_MISSING
    assert validate_sender(None, missing_ok=True) is None


def message(**fields):
    return parse_client_frame({"sender": "Аня", "room": "general", **fields}, "general")


def test_text_at_the_limit_is_accepted_and_one_more_character_is_refused():
    assert message(text="ж" * MAX_TEXT_CHARS).text == "ж" * MAX_TEXT_CHARS
    with pytest.raises(Refused) as caught:
        message(text="ж" * (MAX_TEXT_CHARS + 1))
    assert caught.value.code == ErrorCode.TEXT_TOO_LONG
    assert str(MAX_TEXT_CHARS) in caught.value.detail


def test_nul_characters_leave_the_text_because_no_engine_may_be_asked_to_keep_them():
    assert message(text="a\x00b\x00").text == "ab"


def test_text_is_measured_after_trimming():
    assert message(text="  " + "a" * MAX_TEXT_CHARS + "\n\n").text == "a" * MAX_TEXT_CHARS
    assert message(text="  line one\nline two  ").text == "line one\nline two"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"text": ""}, ErrorCode.TEXT_EMPTY),
        ({"text": " \n\t "}, ErrorCode.TEXT_EMPTY),
        ({}, ErrorCode.TEXT_MISSING),
        ({"text": ["a"]}, ErrorCode.TEXT_MISSING),
        ({"text": "hi", "room": "other"}, ErrorCode.ROOM_MISMATCH),
        ({"text": "hi", "client_id": ""}, ErrorCode.CLIENT_ID_INVALID),
        ({"text": "hi", "client_id": "c" * (MAX_CLIENT_ID_CHARS + 1)}, ErrorCode.CLIENT_ID_INVALID),
        ({"text": "hi", "client_id": "c-\x00"}, ErrorCode.CLIENT_ID_INVALID),
        ({"text": "\x00 \x00"}, ErrorCode.TEXT_EMPTY),
        ({"text": "hi", "type": "shout"}, ErrorCode.UNKNOWN_TYPE),
    ],
)
def test_bad_messages_are_refused_with_a_named_code(fields, code):
    assert refused_code(message, **fields) == code


def test_a_refused_message_names_its_client_id():
    with pytest.raises(Refused) as caught:
        message(text="", client_id="c-1")
    assert caught.value.extra["client_id"] == "c-1"


def test_the_room_may_be_left_out_of_the_body():
    assert parse_client_frame({"text": "hi", "sender": "Bob"}, "general") == ChatMessage("hi", "Bob")


def test_typing_frames_parse_with_or_without_a_sender():
    assert parse_client_frame({"type": "typing"}, "general") == Typing(None)
    assert parse_client_frame({"type": "typing", "sender": " Bob "}, "general") == Typing("Bob")


def test_frames_at_the_size_limit_decode_and_one_byte_more_is_refused():
    def frame_of(size: int) -> str:
        skeleton = '{"text":"","sender":"a"}'
        return skeleton.replace('""', '"' + "a" * (size - len(skeleton)) + '"')

    assert decode_frame(frame_of(MAX_FRAME_BYTES))["sender"] == "a"
    assert refused_code(decode_frame, frame_of(MAX_FRAME_BYTES + 1)) == ErrorCode.FRAME_TOO_LARGE


def test_frame_size_counts_utf8_bytes_not_characters():
    cyrillic = '{"t":"' + "ж" * (MAX_FRAME_BYTES // 2) + '"}'  # 2 bytes a letter
    assert refused_code(decode_frame, cyrillic) == ErrorCode.FRAME_TOO_LARGE


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", ErrorCode.INVALID_JSON),
        ("[1,2]", ErrorCode.INVALID_FRAME),
        ('"s"', ErrorCode.INVALID_FRAME),
    ],
)
def test_frames_that_are_not_json_objects_are_refused(text, code):
    assert refused_code(decode_frame, text) == code


def test_query_parameters_are_checked():
    assert validate_after(None) is None
    assert validate_after("0") == 0
    assert validate_after("42") == 42
    assert refused_code(validate_after, "-1") == ErrorCode.QUERY_INVALID
    assert refused_code(validate_after, "x") == ErrorCode.QUERY_INVALID
    assert validate_version(None) == 1
    assert validate_version("2") == 2
    assert refused_code(validate_version, "two") == ErrorCode.QUERY_INVALID


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_allows_the_burst_then_refuses_with_a_retry_time():
    clock = FakeClock()
    limiter = RateLimiter(burst=3, per_second=2.0, clock=clock)
    for _ in range(3):
        limiter.take()
    with pytest.raises(Refused) as caught:
        limiter.take()
    assert caught.value.code == ErrorCode.RATE_LIMITED
    assert caught.value.extra["retry_after"] == pytest.approx(0.5)


def test_rate_limiter_refills_at_its_rate_and_never_beyond_the_burst():
    clock = FakeClock()
    limiter = RateLimiter(burst=3, per_second=2.0, clock=clock)
    for _ in range(3):
        limiter.take()
    clock.now += 0.5
    limiter.take()
    clock.now += 3600
    for _ in range(3):
        limiter.take()
    assert refused_code(limiter.take) == ErrorCode.RATE_LIMITED


@pytest.mark.parametrize(
    "origin, host",
    [
        (None, "127.0.0.1:8765"),  # not a browser
        ("http://127.0.0.1:8765", "127.0.0.1:8765"),  # the server's own page
        ("http://LANCHAT-PC:8765", "lanchat-pc:8765"),  # the same origin, whatever the case
        ("http://127.0.0.1:51234", "192.168.1.5:8765"),  # another lanchat window
        ("http://[::1]:51234", None),
        ("http://localhost:5173", None),  # a development server
        ("http://192.168.1.20:8765", None),
        ("http://10.0.0.7:8765", None),
        ("http://172.16.4.2", None),
        ("http://169.254.10.1:8765", None),  # link-local, no DHCP
        ("http://[fd00::5]:8765", None),
        ("http://lanchat-pc.local:8765", None),  # mDNS
        ("http://lanchat-pc:8765", None),  # a single-label LAN name
    ],
)
def test_pages_from_this_machine_and_the_local_network_are_allowed(origin, host):
    assert origin_allowed(origin, host)


@pytest.mark.parametrize(
    "origin",
    [
        "https://chat-snoop.example",
        "http://8.8.8.8",
        "http://192.168.1.20.nip.io",  # a public name that resolves to a LAN address
        "null",  # sandboxed frames, file:// pages
        "chrome-extension://abcdef",
        "",
    ],
)
def test_pages_from_elsewhere_are_not(origin):
    assert not origin_allowed(origin, "127.0.0.1:8765")
