"""Typing notices' pace, at its edges: per connection and per room (a clock the test moves)."""

from pathlib import Path

from server.policy import TYPING_RELAY_SECONDS, TYPING_ROOM_BURST
from server.rooms.member import Member
from server.rooms.typing_pace import TypingPace


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _typist(number: int, room: str = "big") -> Member:
    return Member(websocket=None, room=room, name=f"typist {number}", rich=True)  # type: ignore[arg-type]


def test_a_typist_is_relayed_once_per_interval_and_again_exactly_at_its_end():
    clock = Clock()
    pace = TypingPace(clock)
    anna = _typist(0)
    assert pace.relays(anna)
    clock.now += TYPING_RELAY_SECONDS - 0.001
    assert not pace.relays(anna)
    clock.now += 0.001
    assert pace.relays(anna)


def test_a_room_relays_at_most_its_burst_of_typists_at_once_then_one_per_share_of_the_interval():
    clock = Clock()
    pace = TypingPace(clock)
    typists = [_typist(number) for number in range(TYPING_ROOM_BURST + 2)]
    assert [pace.relays(typist) for typist in typists] == [True] * TYPING_ROOM_BURST + [False, False]
    assert pace.relays(_typist(0, room="other"))  # each room has its own budget
    # The budget refills TYPING_ROOM_BURST per interval: one more notice after a share of it.
    clock.now += TYPING_RELAY_SECONDS / TYPING_ROOM_BURST - 0.001
    assert not pace.relays(typists[-2])
    clock.now += 0.001
    assert pace.relays(typists[-2])
    assert not pace.relays(typists[-1])


def test_a_room_forgotten_when_its_last_member_left_starts_with_a_full_budget():
    clock = Clock()
    pace = TypingPace(clock)
    assert all(pace.relays(_typist(number)) for number in range(TYPING_ROOM_BURST))
    assert not pace.relays(_typist(TYPING_ROOM_BURST))
    pace.forget("big")
    assert pace.relays(_typist(TYPING_ROOM_BURST + 1))


def test_notices_from_other_nodes_spend_the_same_room_budget_as_the_nodes_own():
    clock = Clock()
    pace = TypingPace(clock)
    assert all(pace.relays(_typist(number)) for number in range(TYPING_ROOM_BURST // 2))
    relayed = [pace.relays_from_elsewhere("big") for _ in range(TYPING_ROOM_BURST)]
    assert relayed == [True] * (TYPING_ROOM_BURST - TYPING_ROOM_BURST // 2) + [False] * (
        TYPING_ROOM_BURST // 2
    )
    assert not pace.relays(_typist(TYPING_ROOM_BURST))  # and they leave none for the node's own
    clock.now += TYPING_RELAY_SECONDS / TYPING_ROOM_BURST
    assert pace.relays_from_elsewhere("big") and not pace.relays_from_elsewhere("big")


def test_the_protocol_document_states_the_typing_pace_as_the_code_has_it():
    document = (Path(__file__).resolve().parents[2] / "server" / "protocol" / "PROTOCOL.md").read_text()
    assert f"at most once every {TYPING_RELAY_SECONDS:g} s per connection (`TYPING_RELAY_SECONDS`" in document
    assert f"at most {TYPING_ROOM_BURST} per {TYPING_RELAY_SECONDS:g} s per room" in document
