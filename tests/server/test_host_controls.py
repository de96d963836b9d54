"""Host controls (server/moderation.py) as the window uses them: desktop/host_controls.py calling
into a real server thread, with real WebSocket clients seeing what members see."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import urllib.error
import urllib.parse
import urllib.request

import pytest
import websockets

from desktop.host_controls import WindowHostControls
from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.limits import ROOM_TOKEN_HEADER
from server.rooms.bans import BANS_FILE, MAX_BANS, BanList, ModerationCode
from server.rooms.direct import direct_room
from server.rooms.identity import identity_of
from server.rooms.moderation import MAX_REASON_CHARS
from tests.support.server_thread import start_server_thread

TIMEOUT = 10
SECRET = "s" * 43
OTHER_SECRET = "t" * 43


@pytest.fixture
def controls(server_thread):
    return WindowHostControls(server_thread)


async def _frames_until(client, predicate):
    while True:
        frame = json.loads(await asyncio.wait_for(client.recv(), TIMEOUT))
        if predicate(frame):
            return frame


async def _join(server, room, name, *, secret=None, v2=True, after=None):
    query = f"name={name}" + ("&v=2" if v2 else "") + (f"&after={after}" if after is not None else "")
    client = await websockets.connect(f"ws://127.0.0.1:{server.port}/ws/{room}?{query}", open_timeout=TIMEOUT)
    waiting = set()
    if secret is not None:
        await client.send(json.dumps({"type": "hello", "secret": secret}))
        waiting.add("identified")
    if v2:
        waiting.add("welcome")
    while waiting:
        waiting.discard((await _frames_until(client, lambda f: f.get("type") in waiting))["type"])
    return client


async def _post(client, sender, text):
    await client.send(json.dumps({"text": text, "sender": sender, "client_id": f"c-{text}"}))
    return await _frames_until(client, lambda f: f.get("type") == "ack")


async def _closed_with(client):
    error = await _frames_until(client, lambda f: f.get("type") == "error")
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(client.recv(), TIMEOUT)
    return error, client.close_code


def test_a_removed_member_is_told_why_closed_with_4020_and_may_join_again(server_thread, controls):
    async def scenario():
        bob = await _join(server_thread, "general", "Bob")
        alice = await _join(server_thread, "general", "Alice")
        await asyncio.to_thread(controls.remove_member, "general", "bob", "spam")
        error, code = await _closed_with(bob)
        left = await _frames_until(alice, lambda f: f.get("event") == "leave")
        again = await _join(server_thread, "general", "Bob")
        await again.close()
        await alice.close()
        return error, code, left

    error, code, left = asyncio.run(scenario())
    assert error["code"] == ErrorCode.REMOVED and "spam" in error["detail"]
    assert code == CloseCode.REMOVED == 4020
    assert left == {"type": "presence", "room": "general", "event": "leave", "name": "Bob"}


def test_the_window_sees_each_members_identity_id_and_address_but_no_secret(server_thread, controls):
    async def scenario():
        bob = await _join(server_thread, "general", "Bob", secret=SECRET)
        members = await asyncio.to_thread(controls.members, "general")
        await bob.close()
        return members

    members = asyncio.run(scenario())
    assert members == [{"name": "Bob", "identity": identity_of(SECRET), "address": "127.0.0.1"}]
    assert SECRET not in json.dumps(members)


def test_a_banned_identity_is_closed_with_4021_and_refused_at_its_next_hello(
    server_thread, controls, data_dir
):
    async def scenario():
        bob = await _join(server_thread, "general", "Bob", secret=SECRET)
        other_room = await _join(server_thread, "random", "Bob", secret=SECRET)
        carol = await _join(server_thread, "general", "Carol", secret=OTHER_SECRET)
        await asyncio.to_thread(controls.ban, "identity", identity_of(SECRET), "Bob")
        first = await _closed_with(bob)
        second = await _closed_with(other_room)
        again = await websockets.connect(
            f"ws://127.0.0.1:{server_thread.port}/ws/general?v=2", open_timeout=TIMEOUT
        )
        await again.send(json.dumps({"type": "hello", "secret": SECRET}))
        refused = await _closed_with(again)
        await _post(carol, "Carol", "still here")  # nobody else is affected
        await carol.close()
        return first, second, refused

    for error, code in asyncio.run(scenario()):
        assert error["code"] == ErrorCode.BANNED and code == CloseCode.BANNED == 4021
    saved = json.loads((data_dir / BANS_FILE).read_text())
    assert [(ban["kind"], ban["value"], ban["name"]) for ban in saved] == [
        ("identity", identity_of(SECRET), "Bob")
    ]
    assert stat.S_IMODE(os.stat(data_dir / BANS_FILE).st_mode) == 0o600


def test_bans_are_kept_across_a_restart_and_an_unbanned_identity_may_join_again(data_dir, tmp_path):
    first = start_server_thread(data_dir)
    try:
        WindowHostControls(first).ban("identity", identity_of(SECRET), "Bob")
    finally:
        first.stop()
    second = start_server_thread(data_dir)
    try:
        controls = WindowHostControls(second)
        assert [ban["value"] for ban in controls.bans()] == [identity_of(SECRET)]

        async def hello():
            client = await websockets.connect(
                f"ws://127.0.0.1:{second.port}/ws/general?v=2", open_timeout=TIMEOUT
            )
            await client.send(json.dumps({"type": "hello", "secret": SECRET}))
            frame = await _frames_until(client, lambda f: f.get("type") in ("identified", "error"))
            await client.close()
            return frame["type"]

        assert asyncio.run(hello()) == "error"
        assert controls.unban("identity", identity_of(SECRET)) is True
        assert asyncio.run(hello()) == "identified"
        assert controls.bans() == []
    finally:
        second.stop()


def test_this_machines_own_address_cannot_be_banned_and_each_refusal_names_its_code(controls):
    # The window's page reads the code before the sentence, and says it in the host's language.
    for loopback in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"):
        with pytest.raises(ValueError, match=f"^{ModerationCode.OWN_ADDRESS}: .*own address"):
            controls.ban("address", loopback)
    with pytest.raises(ValueError, match=f"^{ModerationCode.ADDRESS_INVALID}: .*not an IP address"):
        controls.ban("address", "evil.example")


def test_the_host_keeps_at_most_max_bans_and_refuses_the_next(tmp_path):
    bans = BanList(None)
    for n in range(MAX_BANS):
        bans.add("identity", f"{n:016x}", "")
    bans.add("identity", f"{0:016x}", "again")  # banning someone banned already is no new ban
    with pytest.raises(ValueError, match=f"at most {MAX_BANS}"):
        bans.add("identity", f"{MAX_BANS:016x}", "")


def test_a_deleted_message_reaches_v2_members_as_an_update_and_history_and_resume_keep_its_place(
    server_thread, controls
):
    async def scenario():
        alice = await _join(server_thread, "general", "Alice")
        seed = await websockets.connect(
            f"ws://127.0.0.1:{server_thread.port}/ws/general", open_timeout=TIMEOUT
        )
        first = await _post(alice, "Alice", "secret plan")
        await _post(alice, "Alice", "hello")
        await _frames_until(seed, lambda f: f.get("text") == "hello")
        assert await asyncio.to_thread(controls.delete_message, "general", first["id"]) is True
        deleted = await _frames_until(alice, lambda f: f.get("type") == "update")
        await seed.send(json.dumps({"text": "after", "sender": "Seed"}))
        seed_next = json.loads(await asyncio.wait_for(seed.recv(), TIMEOUT))  # no deleted frame first
        # A client that last saw the deleted message resumes after it: the delete, then the rest.
        resumed = await websockets.connect(
            f"ws://127.0.0.1:{server_thread.port}/ws/general?v=2&after={first['id']}", open_timeout=TIMEOUT
        )
        replayed = []
        while (frame := json.loads(await asyncio.wait_for(resumed.recv(), TIMEOUT)))["type"] != "welcome":
            replayed.append((frame["type"], frame.get("id") or frame["message"]["id"]))
        await resumed.close()
        await alice.close()
        await seed.close()
        return first["id"], deleted, seed_next, replayed

    first_id, deleted, seed_next, replayed = asyncio.run(scenario())
    # The delete took the position after "hello"; "after" the next one.
    assert replayed == [("update", first_id), ("message", first_id + 1), ("message", first_id + 3)]
    assert deleted["seq"] == first_id + 2 and deleted["change"] == "delete"
    assert deleted["message"]["id"] == first_id and deleted["message"]["deleted"] is True
    assert deleted["message"]["text"] == ""
    assert seed_next["text"] == "after"
    with urllib.request.urlopen(
        f"{server_thread.url}api/rooms/general/messages", timeout=TIMEOUT
    ) as response:
        page = json.loads(response.read())
    texts = [(m["id"], m["text"], m.get("deleted", False)) for m in page["messages"]]
    assert texts == [(first_id, "", True), (first_id + 1, "hello", False), (first_id + 3, "after", False)]
    assert controls.delete_message("general", 999) is False


def test_a_seed_client_joining_after_a_deletion_gets_the_rest_of_the_history_without_the_deleted_one(
    server_thread, controls
):
    async def scenario():
        alice = await _join(server_thread, "general", "Alice")
        first = await _post(alice, "Alice", "gone")
        await _post(alice, "Alice", "kept")
        await asyncio.to_thread(controls.delete_message, "general", first["id"])
        seed = await websockets.connect(
            f"ws://127.0.0.1:{server_thread.port}/ws/general", open_timeout=TIMEOUT
        )
        replay = json.loads(await asyncio.wait_for(seed.recv(), TIMEOUT))
        rich = await websockets.connect(
            f"ws://127.0.0.1:{server_thread.port}/ws/general?v=2", open_timeout=TIMEOUT
        )
        rich_replay = [json.loads(await asyncio.wait_for(rich.recv(), TIMEOUT)) for _ in range(3)]
        for client in (alice, seed, rich):
            await client.close()
        return replay, rich_replay

    replay, rich_replay = asyncio.run(scenario())
    assert replay["text"] == "kept"
    assert [(f["type"], f.get("deleted", False)) for f in rich_replay] == [
        ("message", True),
        ("message", False),
        ("welcome", False),
    ]


def test_the_deleted_text_is_gone_from_the_sqlite_row(server_thread, controls, data_dir):
    async def scenario():
        alice = await _join(server_thread, "general", "Alice")
        first = await _post(alice, "Alice", "wipe me")
        await alice.close()
        return first["id"]

    message_id = asyncio.run(scenario())
    controls.delete_message("general", message_id)
    import sqlite3

    with sqlite3.connect(data_dir / "history.sqlite3") as db:
        row = db.execute("SELECT id, text FROM messages WHERE room = 'general'").fetchall()
        # Nor in the search index (server/search.py): no stem of it, no row of it.
        indexed = db.execute("SELECT COUNT(*) FROM search_index WHERE search_index MATCH 'wipe'").fetchone()
    assert row == [(message_id, "")]
    assert indexed == (0,)


def test_a_removal_reason_is_said_up_to_max_reason_chars_and_no_further(server_thread, controls):
    # Cyrillic: 400 bytes, far past what a close frame's reason holds; the error frame says it.
    async def scenario():
        bob = await _join(server_thread, "general", "Bob")
        await asyncio.to_thread(controls.remove_member, "general", "Bob", "я" * MAX_REASON_CHARS + "ю")
        return await _closed_with(bob)

    error, code = asyncio.run(scenario())
    assert error["detail"].endswith("Reason: " + "я" * MAX_REASON_CHARS)
    assert code == CloseCode.REMOVED


def test_an_unreadable_bans_file_leaves_the_host_starting_and_is_kept_aside_from_the_next_ban(tmp_path):
    path = tmp_path / BANS_FILE
    path.write_text("{not json")
    bans = BanList(path)
    assert bans.all() == []
    bans.add("address", "192.0.2.7", "Eve")
    assert [ban["value"] for ban in BanList(path).all()] == ["192.0.2.7"]
    [aside] = tmp_path.glob(f"{BANS_FILE}.unreadable-*")
    assert aside.read_text() == "{not json"  # the earlier bans, for the host to recover


def _history_status(server, room: str, token: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/api/rooms/{urllib.parse.quote(room, safe='')}/messages",
        headers={ROOM_TOKEN_HEADER: token},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_a_ban_revokes_the_room_tokens_of_the_identity_even_after_it_left(server_thread, controls):
    # A banned person's token kept opening a direct conversation's history (and files) from
    # another address for up to ten minutes.
    room = direct_room(identity_of(SECRET), identity_of(OTHER_SECRET))

    async def enter_and_leave() -> str:
        client = await websockets.connect(f"ws://127.0.0.1:{server_thread.port}/ws/{room}?v=2&name=Eve")
        await client.send(json.dumps({"type": "hello", "secret": SECRET}))
        entered = await _frames_until(client, lambda f: f.get("type") == "entered")
        await _frames_until(client, lambda f: f.get("type") == "identified")
        await client.close()
        return str(entered["token"])

    token = asyncio.run(enter_and_leave())
    assert _history_status(server_thread, room, token) == 200
    controls.ban("identity", identity_of(SECRET), "Eve")
    assert _history_status(server_thread, room, token) == 403


def test_removing_a_member_revokes_the_token_its_password_gave(server_thread, controls):
    server_thread.app.rooms.private.set_password("vault", "open sesame")

    async def enter() -> tuple[object, str]:
        client = await websockets.connect(f"ws://127.0.0.1:{server_thread.port}/ws/vault?v=2&name=Mallory")
        await client.send(json.dumps({"type": "password", "password": "open sesame"}))
        entered = await _frames_until(client, lambda f: f.get("type") == "entered")
        await _frames_until(client, lambda f: f.get("type") == "welcome")
        return client, str(entered["token"])

    async def scenario() -> tuple[int, int]:
        client, token = await enter()
        before = await asyncio.to_thread(_history_status, server_thread, "vault", token)
        await asyncio.to_thread(controls.remove_member, "vault", "Mallory")
        await _closed_with(client)
        return before, await asyncio.to_thread(_history_status, server_thread, "vault", token)

    assert asyncio.run(scenario()) == (200, 403)
