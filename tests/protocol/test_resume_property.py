"""Property (issue 15 item 1): whatever messages, edits, deletes and reactions happen, and whenever a
reader drops and comes back, its folded state equals what a newcomer joining now is sent.

Real `lanchat serve`, real sockets: Alice and Bob change the room while Carol reads some of it,
drops (frames in flight are lost, as on a real network), and resumes with `after` = the highest
position she received. Each example has a room of its own; the server runs on SQLite, then on
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.frames import new_secret
from tests.support.room_client import TIMEOUT, RoomClient

EMOJI = ("👍", "🎉", "❤️")
_rooms = itertools.count()

# One step: who does what. Targets are picked among the messages that allow it when the step runs
# (an index modulo their number), so every step is a real change and gets an answer.
step = st.one_of(
    st.tuples(st.just("post"), st.sampled_from(["alice", "bob"]), st.just(0)),
    st.tuples(st.just("edit"), st.sampled_from(["alice", "bob"]), st.integers(0, 50)),
    st.tuples(st.just("delete"), st.sampled_from(["alice", "bob"]), st.integers(0, 50)),
    st.tuples(st.just("react"), st.sampled_from(["alice", "bob"]), st.integers(0, 150)),
    st.tuples(st.just("carol reads"), st.just("carol"), st.just(0)),
    st.tuples(st.just("carol drops"), st.just("carol"), st.just(0)),
    st.tuples(st.just("carol returns"), st.just("carol"), st.just(0)),
)


@pytest.fixture(scope="module")
def server(database_args, module_serve_process):
    """On each engine in turn: a resume's replay is the store's `after` and `changed`."""
    return module_serve_process(extra_args=database_args)


@dataclass
class Model:
    """What the writers know of the room, to pick steps that change something."""

    owner: dict[int, str] = field(default_factory=dict)  # message id -> who sent it
    deleted: set[int] = field(default_factory=set)
    reactions: set[tuple[int, str, str]] = field(default_factory=set)  # (id, emoji, who)
    last: int = 0  # the room's last position

    def alive(self, who: str | None = None) -> list[int]:
        return [m for m, owner in self.owner.items() if m not in self.deleted and who in (None, owner)]


async def scenario(base: str, steps: list[tuple[str, str, int]]) -> None:
    room = f"prop-{next(_rooms)}"
    writers = {
        "alice": await RoomClient.join(base, room, "Alice", secret=new_secret()),
        "bob": await RoomClient.join(base, room, "Bob", secret=new_secret()),
    }
    carol_secret = new_secret()
    carol: RoomClient | None = await RoomClient.join(base, room, "Carol", secret=carol_secret)
    held: dict[int, dict] = {}  # Carol's folded state while she is away
    position = 0
    model = Model()

    async def everyone_sees(answer_of, frame: dict, who: str) -> None:
        sender = writers[who]
        answer = await answer_of(sender, frame)
        assert answer["type"] != "error", answer
        mark = answer["seq"] if answer["type"] == "update" else answer["id"]
        for other in writers.values():
            if other is not sender:
                await other.until(
                    lambda f: f.get("seq", f.get("id")) == mark and f["type"] in ("update", "message")
                )
        model.last = mark
        return answer

    async def post(client, frame):
        return await client.post(frame["text"])

    async def change(client, frame):
        return await client.change(frame)

    for n, (kind, who, pick) in enumerate(steps):
        if kind == "post":
            answer = await everyone_sees(post, {"text": f"m{n}"}, who)
            model.owner[answer["id"]] = who
        elif kind == "edit" and model.alive(who):
            target = model.alive(who)[pick % len(model.alive(who))]
            await everyone_sees(change, {"type": "edit", "id": target, "text": f"edit {n}"}, who)
        elif kind == "delete" and model.alive(who):
            target = model.alive(who)[pick % len(model.alive(who))]
            await everyone_sees(change, {"type": "delete", "id": target}, who)
            model.deleted.add(target)
            model.reactions = {r for r in model.reactions if r[0] != target}
        elif kind == "react" and model.alive():
            alive = model.alive()
            target, emoji = alive[pick % len(alive)], EMOJI[pick // len(alive) % len(EMOJI)]
            on = (target, emoji, who) not in model.reactions
            await everyone_sees(change, {"type": "react", "id": target, "emoji": emoji, "on": on}, who)
            model.reactions ^= {(target, emoji, who)}
        elif kind == "carol reads" and carol is not None:
            await carol.catch_up(model.last)
        elif kind == "carol drops" and carol is not None:
            held, position = dict(carol.folded), carol.position
            await carol.close()
            carol = None
        elif kind == "carol returns" and carol is None:
            carol = await RoomClient.join(base, room, "Carol", secret=carol_secret, after=position, held=held)
    if carol is None:
        carol = await RoomClient.join(base, room, "Carol", secret=carol_secret, after=position, held=held)
    await carol.catch_up(model.last)
    fresh = await RoomClient.join(base, room, "Fresh", secret=new_secret())
    expected = {frame["id"]: frame for frame in fresh.replayed}
    for client in (*writers.values(), carol, fresh):
        await client.close()
    assert carol.folded == expected
    assert fresh.welcome["last_id"] == model.last


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=30))
def test_a_reader_that_drops_and_resumes_folds_to_what_a_newcomer_sees(server, steps):
    asyncio.run(asyncio.wait_for(scenario(server.ws_base, steps), TIMEOUT * 3))
