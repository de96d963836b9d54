"""Edits, deletes, reactions and replies (issue 15) against the real `lanchat serve` process.

One server per edit window for the whole module (the default one on each engine, SQLite and
PostgreSQL); each test has a room of its own.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import time

import pytest

from server.policy import RATE_LIMIT_BURST
from server.protocol.codes import ErrorCode
from server.protocol.limits import (
    MAX_REACTION_CHARS,
    MAX_REACTIONS_PER_MESSAGE,
    MAX_TEXT_CHARS,
    REPLY_QUOTE_CHARS,
)
from tests.support.frames import SEED_FIELDS, new_secret
from tests.support.history_files import make_schema_1_file
from tests.support.room_client import TIMEOUT, RoomClient, http_history
from tests.support.server_process import ServeProcess

# A window short enough to pass within a test, long enough for an edit sent at once.
TINY_WINDOW_HOURS = 0.0005  # 1.8 s

_rooms = itertools.count()


def fresh_room() -> str:
    return f"changes-{next(_rooms)}"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT * 3))


@pytest.fixture(scope="module")
def server(database_args, module_serve_process):
    """On each engine in turn: the changes' order is the store's."""
    return module_serve_process(extra_args=database_args)


@pytest.fixture(scope="module")
def no_edits_server(module_serve_process):
    return module_serve_process(extra_args=("--edit-window-hours", "0"))


@pytest.fixture(scope="module")
def tiny_window_server(module_serve_process):
    return module_serve_process(extra_args=("--edit-window-hours", str(TINY_WINDOW_HOURS)))


async def everyone(sender, others, frame):
    """`sender` sends a change and every client (`others` too) waits for its update; each reads
    every change in order, so the first update it reads is this one. The sender's answer."""
    answer = await sender.change(frame)
    for other in others:
        if answer["type"] == "update":
            await other.until(lambda f: f.get("type") == "update" and f["seq"] == answer["seq"])
    return answer


async def pair(server, room):
    alice = await RoomClient.join(server.ws_base, room, "Alice", secret=new_secret())
    bob = await RoomClient.join(server.ws_base, room, "Bob", secret=new_secret())
    return alice, bob


def test_a_message_names_its_senders_identity_and_ids_leave_room_for_changes(server):
    async def scenario():
        room = fresh_room()
        alice, bob = await pair(server, room)
        first = await alice.post("one")
        await bob.until(lambda f: f.get("id") == first["id"])
        assert first["identity"] == alice.identity
        edit = await alice.change({"type": "edit", "id": first["id"], "text": "one, edited"})
        second = await alice.post("two")
        late = await RoomClient.join(server.ws_base, room, "Late", secret=new_secret())
        for client in (alice, bob, late):
            await client.close()
        return first, edit, second, late.welcome

    first, edit, second, welcome = run(scenario())
    assert edit["seq"] == first["id"] + 1 and second["id"] == first["id"] + 2
    assert welcome["last_id"] == second["id"] and welcome["first_id"] == first["id"]


def test_an_edit_reaches_everyone_as_one_update_with_the_whole_message(server):
    async def scenario():
        room = fresh_room()
        alice, bob = await pair(server, room)
        posted = await alice.post("tpyo")
        before = time.time()
        await alice.send({"type": "edit", "id": posted["id"], "text": "  typo  ", "client_id": "e-1"})
        seen = [await client.until_type("update") for client in (alice, bob)]
        for client in (alice, bob):
            await client.close()
        return posted, before, seen

    posted, before, (own, other) = run(scenario())
    assert own == other
    assert own["type"] == "update" and own["change"] == "edit" and own["room"] == posted["room"]
    message = own["message"]
    assert message["id"] == posted["id"] and message["text"] == "typo"  # trimmed, as a message
    assert message["edited"] >= before and message["timestamp"] == posted["timestamp"]
    assert message["identity"] == posted["identity"] and "deleted" not in message
    page = http_history(server.url, posted["room"])
    assert [(m["id"], m["text"], "edited" in m) for m in page["messages"]] == [(posted["id"], "typo", True)]


def test_only_the_identity_that_sent_a_message_may_edit_or_delete_it(server):
    async def scenario():
        room = fresh_room()
        alice, bob = await pair(server, room)
        posted = await alice.post("mine")
        edit = await bob.change({"type": "edit", "id": posted["id"], "text": "yours", "client_id": "b-1"})
        delete = await bob.change({"type": "delete", "id": posted["id"]})
        # The same person in a second tab (same secret) is the same identity: it may.
        for client in (alice, bob):
            await client.close()
        return posted, edit, delete

    posted, edit, delete = run(scenario())
    assert edit["code"] == ErrorCode.NOT_YOUR_MESSAGE and edit["id"] == posted["id"]
    assert edit["client_id"] == "b-1"
    assert delete["code"] == ErrorCode.NOT_YOUR_MESSAGE and "client_id" not in delete
    assert http_history(server.url, posted["room"])["messages"][0]["text"] == "mine"


def test_another_tab_of_the_same_identity_may_edit_and_a_message_without_identity_nobody_may(server):
    async def scenario():
        room = fresh_room()
        secret = new_secret()
        tab1 = await RoomClient.join(server.ws_base, room, "Alice", secret=secret)
        tab2 = await RoomClient.join(server.ws_base, room, "Alice", secret=secret)
        posted = await tab1.post("from tab one")
        edited = await tab2.change({"type": "edit", "id": posted["id"], "text": "from tab two"})
        seed = await RoomClient.join(server.ws_base, room, "Seed", v2=False)
        await seed.send({"text": "no identity", "sender": "Seed"})
        anonymous = await tab1.until(lambda f: f.get("text") == "no identity")
        refused = await tab1.change({"type": "edit", "id": anonymous["id"], "text": "taken over"})
        for client in (tab1, tab2, seed):
            await client.close()
        return edited, anonymous, refused

    edited, anonymous, refused = run(scenario())
    assert edited["message"]["text"] == "from tab two"
    assert "identity" not in anonymous
    assert refused["code"] == ErrorCode.NOT_YOUR_MESSAGE


def test_changes_without_a_hello_are_refused_identity_required(server):
    async def scenario():
        room = fresh_room()
        alice = await RoomClient.join(server.ws_base, room, "Alice", secret=new_secret())
        posted = await alice.post("hello")
        anonymous = await RoomClient.join(server.ws_base, room, "Anon")
        answers = [
            await anonymous.change(frame)
            for frame in (
                {"type": "edit", "id": posted["id"], "text": "x", "client_id": "a-1"},
                {"type": "delete", "id": posted["id"]},
                {"type": "react", "id": posted["id"], "emoji": "👍", "on": True},
            )
        ]
        await anonymous.send({"text": "re", "sender": "Anon", "reply_to": posted["id"], "client_id": "a-2"})
        answers.append(await anonymous.until_type("error"))
        for client in (alice, anonymous):
            await client.close()
        return posted, answers

    posted, answers = run(scenario())
    assert [a["code"] for a in answers] == [ErrorCode.IDENTITY_REQUIRED] * 4
    assert all(a["id"] == posted["id"] for a in answers)
    assert (answers[0]["client_id"], answers[3]["client_id"]) == ("a-1", "a-2")
    assert [m["text"] for m in http_history(server.url, posted["room"])["messages"]] == ["hello"]


def test_a_missing_or_deleted_message_cannot_be_edited_reacted_to_or_answered(server):
    async def scenario():
        room = fresh_room()
        alice, bob = await pair(server, room)
        posted = await alice.post("soon gone")
        deleted = await alice.change({"type": "delete", "id": posted["id"]})
        missing = posted["id"] + 1000
        answers = {
            "edit missing": await alice.change({"type": "edit", "id": missing, "text": "x"}),
            "react missing": await bob.change({"type": "react", "id": missing, "emoji": "👍", "on": True}),
            "edit deleted": await alice.change({"type": "edit", "id": posted["id"], "text": "x"}),
            "delete deleted": await alice.change({"type": "delete", "id": posted["id"]}),
            "react deleted": await bob.change(
                {"type": "react", "id": posted["id"], "emoji": "👍", "on": True}
            ),
            "reply missing": await bob.post("re", reply_to=missing),
            "reply deleted": await bob.post("re", reply_to=posted["id"]),
            "id not a number": await bob.change({"type": "edit", "id": "7", "text": "x"}),
            "id zero": await bob.change({"type": "delete", "id": 0}),
            "reply_to true": await bob.post("re", reply_to=True),
        }
        for client in (alice, bob):
            await client.close()
        return deleted, answers

    deleted, answers = run(scenario())
    assert deleted["change"] == "delete" and deleted["message"]["deleted"] is True
    assert {key: answer["code"] for key, answer in answers.items()} == {
        "edit missing": ErrorCode.MESSAGE_NOT_FOUND,
        "react missing": ErrorCode.MESSAGE_NOT_FOUND,
        "edit deleted": ErrorCode.MESSAGE_DELETED,
        "delete deleted": ErrorCode.MESSAGE_DELETED,
        "react deleted": ErrorCode.MESSAGE_DELETED,
        "reply missing": ErrorCode.MESSAGE_NOT_FOUND,
        "reply deleted": ErrorCode.MESSAGE_DELETED,
        "id not a number": ErrorCode.ID_INVALID,
        "id zero": ErrorCode.ID_INVALID,
        "reply_to true": ErrorCode.ID_INVALID,
    }
    assert (
        "client_id" in answers["reply deleted"] and answers["reply deleted"]["id"] == deleted["message"]["id"]
    )


def test_an_edit_follows_the_text_rules_of_a_message(server):
    async def scenario():
        room = fresh_room()
        alice = await RoomClient.join(server.ws_base, room, "Alice", secret=new_secret())
        posted = await alice.post("text")
        answers = [
            await alice.change({"type": "edit", "id": posted["id"], "text": text, "client_id": "e"})
            for text in ("   ", "x" * (MAX_TEXT_CHARS + 1), "x" * MAX_TEXT_CHARS)
        ]
        await alice.close()
        return answers

    empty, too_long, longest = run(scenario())
    assert (empty["code"], empty["client_id"]) == (ErrorCode.TEXT_EMPTY, "e")
    assert too_long["code"] == ErrorCode.TEXT_TOO_LONG
    assert longest["type"] == "update" and len(longest["message"]["text"]) == MAX_TEXT_CHARS


def test_deleting_blanks_the_text_drops_the_reactions_and_keeps_the_place(server):
    async def scenario():
        room = fresh_room()
        alice, bob = await pair(server, room)
        posted = await alice.post("secret plan")
        reply = await bob.post("what plan?", reply_to=posted["id"])
        await bob.change({"type": "react", "id": posted["id"], "emoji": "😮", "on": True})
        deleted = await alice.change({"type": "delete", "id": posted["id"], "client_id": "d-1"})
        seen_by_bob = await bob.until_type("update")
        late = await RoomClient.join(server.ws_base, room, "Late", secret=new_secret())
        for client in (alice, bob, late):
            await client.close()
        return posted, reply, deleted, seen_by_bob, late.replayed

    posted, reply, deleted, seen_by_bob, replayed = run(scenario())
    assert reply["reply_to"] == {"id": posted["id"], "sender": "Alice", "text": "secret plan"}
    message = deleted["message"]
    assert message["deleted"] is True and message["text"] == "" and "reactions" not in message
    assert seen_by_bob["seq"] == deleted["seq"] and seen_by_bob["message"] == message
    assert [f["id"] for f in replayed] == [posted["id"], reply["id"]]
    # The reply's quote is built when its frame is: the deleted words are gone from it too.
    assert replayed[1]["reply_to"] == {"id": posted["id"], "sender": "Alice", "text": "", "deleted": True}
    assert "secret" not in str(http_history(server.url, posted["room"]))


def test_edits_are_off_with_a_zero_window_and_deletes_have_no_window(no_edits_server):
    async def scenario():
        room = fresh_room()
        alice = await RoomClient.join(no_edits_server.ws_base, room, "Alice", secret=new_secret())
        posted = await alice.post("final")
        edit = await alice.change({"type": "edit", "id": posted["id"], "text": "changed"})
        delete = await alice.change({"type": "delete", "id": posted["id"]})
        await alice.close()
        return alice.welcome, edit, delete

    welcome, edit, delete = run(scenario())
    assert welcome["limits"]["edit_window_seconds"] == 0
    assert edit["code"] == ErrorCode.EDIT_WINDOW_PASSED and edit["id"] > 0
    assert delete["type"] == "update" and delete["change"] == "delete"


@pytest.mark.serial
def test_an_edit_after_the_hosts_window_is_refused(tiny_window_server):
    window = TINY_WINDOW_HOURS * 3600

    async def scenario():
        room = fresh_room()
        alice = await RoomClient.join(tiny_window_server.ws_base, room, "Alice", secret=new_secret())
        posted = await alice.post("quick")
        in_time = await alice.change({"type": "edit", "id": posted["id"], "text": "quick fix"})
        # The window is time itself: nothing to await but its end.
        await asyncio.sleep(max(0.0, posted["timestamp"] + window - time.time()) + 0.05)
        late = await alice.change({"type": "edit", "id": posted["id"], "text": "too late", "client_id": "l"})
        delete = await alice.change({"type": "delete", "id": posted["id"]})
        await alice.close()
        return alice.welcome, in_time, late, delete

    welcome, in_time, late, delete = run(scenario())
    assert welcome["limits"]["edit_window_seconds"] == pytest.approx(window)
    assert in_time["type"] == "update" and in_time["message"]["text"] == "quick fix"
    assert (late["code"], late["client_id"]) == (ErrorCode.EDIT_WINDOW_PASSED, "l")
    assert delete["type"] == "update"


def test_reactions_say_who_in_order_and_on_off_is_explicit(server):
    async def scenario():
        room = fresh_room()
        alice, bob = await pair(server, room)
        posted = await alice.post("lunch?")
        mid = posted["id"]
        first = await everyone(bob, [alice], {"type": "react", "id": mid, "emoji": "👍", "on": True})
        await everyone(alice, [bob], {"type": "react", "id": mid, "emoji": "🎉", "on": True})
        third = await everyone(alice, [bob], {"type": "react", "id": mid, "emoji": "👍", "on": True})
        # On again (another tab of Bob's said it already): no change, so no update and no position.
        await bob.send({"type": "react", "id": mid, "emoji": "👍", "on": True})
        await bob.send({"type": "react", "id": mid, "emoji": "😢", "on": False})  # off what is not on
        marker = await bob.post("marker")
        off = await bob.change({"type": "react", "id": mid, "emoji": "👍", "on": False})
        for client in (alice, bob):
            await client.close()
        return alice, bob, first, third, marker, off

    alice, bob, first, third, marker, off = run(scenario())
    assert first["change"] == "reaction"
    bob_by = {"identity": bob.identity, "name": "Bob"}
    alice_by = {"identity": alice.identity, "name": "Alice"}
    assert third["message"]["reactions"] == [
        {"emoji": "👍", "by": [bob_by, alice_by]},
        {"emoji": "🎉", "by": [alice_by]},
    ]
    assert marker["id"] == third["seq"] + 1  # the two frames that changed nothing took no position
    assert off["message"]["reactions"] == [
        {"emoji": "👍", "by": [alice_by]},
        {"emoji": "🎉", "by": [alice_by]},
    ]


def test_reaction_limits_at_their_edges(server):
    family = "👨\u200d👩\u200d👧\u200d👦"  # 7 code points joined by ZWJ
    flag = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"  # Scotland: tag characters

    async def scenario():
        room = fresh_room()
        alice, bob = await pair(server, room)
        posted = await alice.post("react to me")
        mid = posted["id"]

        async def react(client, emoji):
            other = bob if client is alice else alice
            return await everyone(client, [other], {"type": "react", "id": mid, "emoji": emoji, "on": True})

        shapes = {
            "longest": await react(alice, "x" * MAX_REACTION_CHARS),
            "too long": await react(alice, "x" * (MAX_REACTION_CHARS + 1)),
            "empty": await react(alice, ""),
            "space": await react(alice, "👍 "),
            "control": await react(alice, "\x07"),
            "bidi override": await react(alice, "\u202e👍"),
            "zero-width space": await react(alice, "\u200b"),
            "only a joiner": await react(alice, "\u200d"),
            "family": await react(alice, family),
            "flag": await react(alice, flag),
            "heart with selector": await react(alice, "❤\ufe0f"),
            "not a string": await react(alice, 5),
        }
        await alice.send({"type": "react", "id": mid, "emoji": "👍", "on": "yes"})
        shapes["on not a bool"] = await alice.until_type("error")
        # Four kept so far (longest, family, flag, heart): Bob fills up to the limit.
        last = None
        for n in range(MAX_REACTIONS_PER_MESSAGE - 4):
            last = await react(bob, f"e{n}")
        over = await react(bob, "onemore")
        same_again = await react(alice, "e0")  # an emoji the message has: always allowed
        for client in (alice, bob):
            await client.close()
        return shapes, last, over, same_again

    shapes, last, over, same_again = run(scenario())
    codes = {key: answer.get("code", "ok") for key, answer in shapes.items()}
    assert codes == {
        "longest": "ok",
        "too long": ErrorCode.REACTION_INVALID,
        "empty": ErrorCode.REACTION_INVALID,
        "space": ErrorCode.REACTION_INVALID,
        "control": ErrorCode.REACTION_INVALID,
        "bidi override": ErrorCode.REACTION_INVALID,
        "zero-width space": ErrorCode.REACTION_INVALID,
        "only a joiner": ErrorCode.REACTION_INVALID,
        "family": "ok",
        "flag": "ok",
        "heart with selector": "ok",
        "not a string": ErrorCode.REACTION_INVALID,
        "on not a bool": ErrorCode.INVALID_FRAME,
    }
    assert len(last["message"]["reactions"]) == MAX_REACTIONS_PER_MESSAGE
    assert over["code"] == ErrorCode.TOO_MANY_REACTIONS and over["id"] == last["message"]["id"]
    assert same_again["type"] == "update"


def test_a_reply_quotes_the_first_line_of_its_original_and_a_seed_client_sees_plain_messages(server):
    long_line = "я" * (REPLY_QUOTE_CHARS + 10)

    async def scenario():
        room = fresh_room()
        alice, bob = await pair(server, room)
        seed = await RoomClient.join(server.ws_base, room, "Seed", v2=False)
        original = await alice.post(f"{long_line}\nsecond line")
        reply = await bob.post("agreed", reply_to=original["id"])
        await alice.change({"type": "react", "id": original["id"], "emoji": "👍", "on": True})
        await alice.change({"type": "edit", "id": original["id"], "text": "edited"})
        await seed.send({"text": "seed here", "sender": "Seed"})
        await seed.until(lambda f: f.get("text") == "seed here")
        seen = list(seed.folded.values())
        seed_again = await RoomClient.join(server.ws_base, room, "Seed2", v2=False)
        await seed_again.send({"text": "sync", "sender": "Seed2"})
        await seed_again.until(lambda f: f.get("text") == "sync")
        for client in (alice, bob, seed, seed_again):
            await client.close()
        return original, reply, seen, list(seed_again.folded.values())

    original, reply, seen, rejoined = run(scenario())
    assert reply["reply_to"] == {"id": original["id"], "sender": "Alice", "text": "я" * REPLY_QUOTE_CHARS}
    assert reply["identity"]
    for frame in seen + rejoined:
        assert frame["type"] == "message" and set(frame) <= SEED_FIELDS, frame
    # Live, the seed client keeps what it was sent; joining again it gets the current text.
    assert [f["text"] for f in seen][:2] == [f"{long_line}\nsecond line", "agreed"]
    assert [f["text"] for f in rejoined][:3] == ["edited", "agreed", "seed here"]


def test_resuming_brings_each_change_once_and_folds_to_what_a_fresh_joiner_sees(server):
    async def scenario():
        room = fresh_room()
        alice, bob = await pair(server, room)
        kept = [await alice.post(f"m{n}") for n in range(4)]
        away = await RoomClient.join(server.ws_base, room, "Away", secret=new_secret())
        left_at = away.position
        held = dict(away.folded)
        await away.close()
        ids = [m["id"] for m in kept]
        for n in range(5):  # many changes to one message: one frame on resume
            await everyone(alice, [bob], {"type": "edit", "id": ids[0], "text": f"m0 v{n}"})
        await everyone(bob, [alice], {"type": "react", "id": ids[1], "emoji": "👍", "on": True})
        await everyone(alice, [bob], {"type": "delete", "id": ids[2]})
        new = await bob.post("while away")
        await alice.until(lambda f: f.get("id") == new["id"])
        await everyone(bob, [alice], {"type": "react", "id": new["id"], "emoji": "🎉", "on": True})
        await everyone(alice, [bob], {"type": "react", "id": ids[1], "emoji": "❤️", "on": True})
        back = await RoomClient.join(server.ws_base, room, "Away", secret=new_secret(), after=left_at)
        fresh = await RoomClient.join(server.ws_base, room, "Fresh", secret=new_secret())
        for client in (alice, bob, back, fresh):
            await client.close()
        return ids, held, back, fresh, new

    ids, held, back, fresh, new = run(scenario())
    updates = [f for f in back.replayed if f["type"] == "update"]
    messages = [f for f in back.replayed if f["type"] == "message"]
    assert [u["message"]["id"] for u in updates] == [
        ids[0],
        ids[2],
        ids[1],
    ]  # in the order of their last change
    assert [u["change"] for u in updates] == ["edit", "delete", "reaction"]
    assert [u["seq"] for u in updates] == sorted(u["seq"] for u in updates)
    assert [m["id"] for m in messages] == [new["id"]] and messages[0]["reactions"][0]["emoji"] == "🎉"
    folded = dict(held)
    for frame in back.replayed:
        if frame["type"] == "message":
            folded[frame["id"]] = frame
        elif frame["message"]["id"] in folded:
            folded[frame["message"]["id"]] = frame["message"]
    assert folded == {f["id"]: f for f in fresh.replayed}
    assert back.welcome["last_id"] == fresh.welcome["last_id"] == updates[-1]["seq"]


def test_a_history_file_of_the_previous_schema_opens_and_its_clients_resume(tmp_path):
    data = tmp_path / "old"
    make_schema_1_file(data, {"general": [("Аня", "one"), ("Bob", ""), ("Аня", "three")]})
    process = ServeProcess(data).start()
    try:

        async def scenario():
            resumed = await RoomClient.join(process.ws_base, "general", "Back", secret=new_secret(), after=1)
            seed = await RoomClient.join(process.ws_base, "general", "Seed", v2=False)
            await seed.send({"text": "four", "sender": "Seed"})
            await seed.until(lambda f: f.get("text") == "four")
            five = await resumed.post("five")
            await seed.until(lambda f: f.get("text") == "five")
            for client in (resumed, seed):
                await client.close()
            return resumed, seed, five

        resumed, seed, five = run(scenario())
    finally:
        process.stop(signal.SIGKILL)
    assert [(f["id"], f["text"], f.get("deleted", False)) for f in resumed.replayed] == [
        (2, "", True),
        (3, "three", False),
    ]
    assert resumed.welcome["last_id"] == 3
    assert [f["text"] for f in seed.folded.values()] == ["one", "three", "four", "five"]
    assert five["id"] == 5


def test_edits_deletes_and_reactions_spend_the_same_rate_budget_as_messages(server):
    async def scenario():
        room = fresh_room()
        alice = await RoomClient.join(server.ws_base, room, "Alice", secret=new_secret())
        posted = await alice.post("target")
        # Hello and post spent two of the burst; flip a reaction far past the rest at once.
        for n in range(RATE_LIMIT_BURST + 10):
            await alice.send({"type": "react", "id": posted["id"], "emoji": "👍", "on": n % 2 == 0})
        answers = []
        while not any(a["type"] == "error" for a in answers):
            answers.append(await alice.until(lambda f: f["type"] in ("update", "error")))
        await alice.close()
        return answers

    answers = run(scenario())
    refusal = answers[-1]
    assert refusal["code"] == ErrorCode.RATE_LIMITED and refusal["retry_after"] > 0
    # The burst minus what the hello and the post took, give or take the refill meanwhile.
    assert RATE_LIMIT_BURST - 2 <= len(answers) - 1 <= RATE_LIMIT_BURST + 2


def test_another_client_repeating_my_client_id_does_not_swallow_my_message(server):
    # Client ids are visible to every member (the seed frame carries them): reusing one must not
    # make the owner's next message look like a repeat.
    async def scenario():
        room = fresh_room()
        alice, eve = await pair(server, room)
        await eve.send({"text": "squatting", "sender": "Bob", "client_id": "shared-id"})
        await alice.until(lambda f: f.get("text") == "squatting")
        await alice.send({"text": "mine", "sender": "Alice", "client_id": "shared-id"})
        ack = await alice.until_type("ack")
        mine = await eve.until(lambda f: f.get("text") == "mine")
        for client in (alice, eve):
            await client.close()
        return ack, mine

    ack, mine = run(scenario())
    assert ack["duplicate"] is False and ack["id"] == mine["id"]
