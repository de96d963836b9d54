"""RoomNames: who holds which name in a room, without sockets (members are plain hub.Member objects)."""

from __future__ import annotations

import pytest

from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused
from server.rooms.member import Member
from server.rooms.names import RoomNames


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def __call__(self, room: str, event: str, name: str) -> None:
        self.events.append((event, name))


def member(room: str = "room") -> Member:
    return Member(websocket=object(), room=room, name=None, rich=True)  # type: ignore[arg-type]


@pytest.fixture
def announced() -> Recorder:
    return Recorder()


@pytest.fixture
def names(announced) -> RoomNames:
    return RoomNames(announced)


def test_a_hello_makes_a_name_its_identitys_without_a_leave_or_a_join(names, announced):
    alice = member()
    names.claim(alice, "Alice")
    assert names.identify(alice, "id-a") == []
    assert announced.events == [("join", "Alice")]
    with pytest.raises(Refused) as caught:
        names.claim(member(), "alice")
    assert caught.value.code == ErrorCode.NAME_TAKEN


def test_when_one_of_two_anonymous_users_of_a_name_identifies_the_other_loses_it(names, announced):
    guest, alice = member(), member()
    names.claim(guest, "Alice")
    names.claim(alice, "Alice")
    guest.settled = True  # it has sent a frame already: it said no hello
    assert names.identify(alice, "id-a") == [guest]
    assert guest.name is None and alice.name == "Alice"
    assert names.members_of("room") == ["Alice"] and announced.events == [("join", "Alice")]


def test_an_identity_claiming_a_guests_name_takes_it_over(names, announced):
    guest, bob = member(), member()
    names.claim(guest, "Bob")
    guest.settled = True
    names.identify(bob, "id-b")
    assert names.claim(bob, "bob") == [guest]
    assert guest.name is None and names.members_of("room") == ["Bob"]
    names.release(guest)  # it holds nothing now: nothing to announce
    assert announced.events == [("join", "Bob")]


def test_a_refused_rename_changes_nothing_and_costs_no_rename(names, announced):
    names.identify(alice := member(), "id-a")
    names.claim(alice, "Alice")
    names.identify(mallory := member(), "id-m")
    names.claim(mallory, "Mallory")
    with pytest.raises(Refused):
        names.claim(mallory, "ALICE")
    assert mallory.name == "Mallory" and mallory.renamed_at == float("-inf")
    assert names.members_of("room") == ["Alice", "Mallory"]


def test_a_pending_name_goes_to_the_same_identitys_next_tab_and_is_refused_to_anyone_else(names):
    names.identify(first := member(), "id-a")
    names.claim(first, "Alice")
    second, stranger = member(), member()
    second.pending_name = stranger.pending_name = "Alice"
    assert names.identify(second, "id-a") == [] and second.name == "Alice"
    with pytest.raises(Refused) as caught:
        names.settle(stranger)
    assert caught.value.code == ErrorCode.NAME_TAKEN and stranger.name is None


def test_a_name_is_free_again_when_its_last_connection_leaves(names, announced):
    names.identify(tab1 := member(), "id-a")
    names.identify(tab2 := member(), "id-a")
    names.claim(tab1, "Alice")
    names.claim(tab2, "Alice")
    names.release(tab1)
    assert names.members_of("room") == ["Alice"]
    names.release(tab2)
    assert announced.events == [("join", "Alice"), ("leave", "Alice")]
    names.claim(member(), "Alice")  # anyone's now
    assert names.members_of("room") == ["Alice"]


def test_rooms_keep_their_names_apart(names):
    names.identify(alice := member("one"), "id-a")
    names.claim(alice, "Alice")
    names.claim(elsewhere := member("two"), "Alice")
    assert elsewhere.name == "Alice"
    assert names.members_of("one") == names.members_of("two") == ["Alice"]


def test_two_tabs_of_one_identity_joining_at_once_both_keep_the_name(names, announced):
    # Both connect with ?name=Alice before either says hello; the first hello must not cost
    # the second tab its name.
    first, second = member(), member()
    names.claim(first, "Alice")
    names.claim(second, "Alice")
    assert names.identify(first, "id-a") == []
    assert second.name is None and second.pending_name == "Alice"
    assert names.identify(second, "id-a") == []
    assert (first.name, second.name) == ("Alice", "Alice")
    names.release(first)
    assert names.members_of("room") == ["Alice"] and announced.events == [("join", "Alice")]


def test_a_guest_that_had_not_spoken_yet_learns_of_a_taken_name_at_its_first_frame(names):
    guest, alice = member(), member()
    names.claim(guest, "Alice")
    names.identify(alice, "id-a")
    assert names.claim(alice, "Alice") == []
    with pytest.raises(Refused) as caught:
        names.settle(guest)
    assert caught.value.code == ErrorCode.NAME_TAKEN
