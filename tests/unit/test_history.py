"""The history store on each engine (`open_store`: a real SQLite file, a real PostgreSQL database),
and what only SQLite's files have (their older schemas)."""

import sqlite3

from server.storage.sqlite_history import SqliteHistoryStore


def test_ids_increase_by_one_per_room(open_store):
    store = open_store()
    assert [store.append("a", "Аня", f"m{i}").id for i in range(3)] == [1, 2, 3]
    assert store.append("b", "Bob", "first in b").id == 1
    assert store.last_id("a") == 3


def test_after_and_before_page_in_id_order(open_store):
    store = open_store()
    for i in range(10):
        store.append("room", "s", f"m{i + 1}")
    assert [m.id for m in store.after("room", 7, 10)] == [8, 9, 10]
    assert [m.id for m in store.after("room", 0, 2)] == [1, 2]
    assert [m.id for m in store.before("room", None, 3)] == [8, 9, 10]
    assert [m.id for m in store.before("room", 3, 5)] == [1, 2]
    page, more = store.around("room", 5, 4)
    assert [m.id for m in page] == [3, 4, 5, 6] and more
    assert store.recent_start("room", 3) == 7 and store.recent_start("room", 20) == 0


def test_client_ids_are_found_per_room(open_store):
    store = open_store()
    stored = store.append("room", "s", "hello", client_id="c-1")
    assert store.find_client_id("room", "c-1", None, "s") == stored
    assert store.find_client_id("other", "c-1", None, "s") is None


def test_a_client_id_is_its_senders_own_not_the_rooms(open_store):
    store = open_store()
    theirs = store.append("room", "Eve", "first", client_id="c-1", identity="e" * 16)
    mine = store.append("room", "Ann", "second", client_id="c-1", identity="a" * 16)
    anonymous = store.append("room", "Bob", "third", client_id="c-1")
    assert store.find_client_id("room", "c-1", "e" * 16, "Eve") == theirs
    assert store.find_client_id("room", "c-1", "a" * 16, "Ann") == mine
    assert store.find_client_id("room", "c-1", None, "Bob") == anonymous
    assert store.find_client_id("room", "c-1", None, "Eve") is None
    assert store.has_written("room", "e" * 16) and not store.has_written("other", "e" * 16)


def test_history_survives_reopening(open_store):
    store = open_store()
    store.append("Общий", "Аня", "привет", client_id="c-1")
    store.close()
    reopened = open_store()
    assert [(m.sender, m.text) for m in reopened.after("Общий", 0, 10)] == [("Аня", "привет")]
    assert reopened.append("Общий", "Bob", "hi").id == 2
    assert reopened.rooms() == {"Общий": 2}


def test_edits_deletes_and_reactions_each_take_the_rooms_next_position(open_store):
    store = open_store()
    first = store.append("r", "Ann", "hello", identity="a" * 16)
    reply = store.append("r", "Bob", "hi Ann", identity="b" * 16, reply_to=first.id)
    assert store.get("r", reply.id).reply_to == first.id
    edited = store.edit("r", first.id, "hello all")
    assert edited.changed_at == 3 and edited.edited is not None and store.get("r", first.id) == edited
    assert store.react("r", first.id, "👍", "b" * 16, "Bob", True).changed_at == 4
    assert store.react("r", first.id, "👍", "b" * 16, "Bob", True) is None  # so already: no position
    assert store.react("r", first.id, "🎉", "a" * 16, "Ann", True).changed_at == 5
    assert store.react("r", first.id, "👍", "a" * 16, "Ann", True).changed_at == 6
    ann, bob = {"identity": "a" * 16, "name": "Ann"}, {"identity": "b" * 16, "name": "Bob"}
    assert store.reactions.of("r", [first.id, reply.id]) == {
        first.id: [{"emoji": "👍", "by": [bob, ann]}, {"emoji": "🎉", "by": [ann]}]
    }
    assert store.reactions.emoji_count("r", first.id) == 2 and store.reactions.has_emoji("r", first.id, "🎉")
    assert store.react("r", first.id, "👍", "b" * 16, "Bob", False).changed_at == 7
    # The emoji keeps its place while anyone still has it on, though its first reactor took it back.
    assert [group["emoji"] for group in store.reactions.of("r", [first.id])[first.id]] == ["👍", "🎉"]
    deleted = store.delete("r", reply.id)
    assert (deleted.text, deleted.deleted, deleted.changed_at) == ("", True, 8)
    assert store.delete("r", reply.id) == deleted and store.position("r") == 8  # deleted already
    assert store.delete("r", 99) is None
    assert [m.id for m in store.changed("r", 2, 8, 10)] == [first.id, reply.id]
    assert [m.id for m in store.changed("r", 2, 8, 10, since=7)] == [reply.id]
    assert store.get_many("r", [first.id, reply.id, 99]).keys() == {first.id, reply.id}


def test_the_position_counter_outlives_deleted_messages_and_restarts(open_store):
    store = open_store()
    first = store.append("r", "a", "one")
    store.append("r", "a", "two")
    store.react("r", first.id, "👍", "0123456789abcdef", "a", True)  # position 3
    store.delete("r", first.id)  # position 4, of a message older than the newest
    store.close()
    again = open_store()
    assert again.position("r") == 4 and again.append("r", "a", "three").id == 5
    assert again.reactions.of("r", [first.id]) == {}


def test_a_schema_2_file_lets_two_senders_share_a_client_id_after_opening(tmp_path):
    store = SqliteHistoryStore(tmp_path)
    store.append("room", "Eve", "first", client_id="c-1", identity="e" * 16)
    store.close()
    with sqlite3.connect(tmp_path / SqliteHistoryStore.FILENAME) as db:  # as schema 2 left it
        db.execute("DROP INDEX messages_client_key")
        db.execute(
            "CREATE UNIQUE INDEX messages_client_id ON messages (room, client_id) WHERE client_id IS NOT NULL"
        )
        db.execute("PRAGMA user_version = 2")
    store = SqliteHistoryStore(tmp_path)
    assert store.append("room", "Ann", "second", client_id="c-1", identity="a" * 16).id == 2
    store.close()
