"""The frame bytes the hub makes once per shape, read back by websockets' own client-side parser."""

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from server.protocol.wire import text_frame, text_of


def _parsed(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        return done.value
    raise AssertionError("the frame was incomplete")


# Each length at the edges of the three header sizes (7-bit, 16-bit and 64-bit lengths).
@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536])
def test_a_text_frame_of_any_length_parses_as_one_whole_unmasked_text_frame(length):
    text = "ж" * (length // 2) + "x" * (length % 2)  # two bytes a letter: the length is in bytes
    frame = _parsed(text_frame(text))
    assert (frame.opcode, frame.fin, frame.rsv1) == (Opcode.TEXT, True, False)
    assert frame.data.decode() == text
    assert text_of(text_frame(text)) == text
