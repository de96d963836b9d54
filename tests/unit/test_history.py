"""HistoryStore on a real SQLite file."""

import sqlite3

from server.storage.history import HistoryStore


def test_ids_increase_by_one_per_room(tmp_path):
    store = HistoryStore(tmp_path)
    assert [store.append("a", "Аня", f"m{i}").id for i in range(3)] == [1, 2, 3]
    assert store.append("b", "Bob", "first in b").id == 1
    assert store.last_id("a") == 3


def test_after_and_before_page_in_id_order(tmp_path):
    store = HistoryStore(tmp_path)
    for i in range(10):
        store.append("room", "s", f"m{i + 1}")
    assert [m.id for m in store.after("room", 7, 10)] == [8, 9, 10]
    assert [m.id for m in store.after("room", 0, 2)] == [1, 2]
    assert [m.id for m in store.before("room", None, 3)] == [8, 9, 10]
    assert [m.id for m in store.before("room", 3, 5)] == [1, 2]


def test_client_ids_are_found_per_room(tmp_path):
    store = HistoryStore(tmp_path)
    stored = store.append("room", "s", "hello", client_id="c-1")
    assert store.find_client_id("room", "c-1", None, "s") == stored
    assert store.find_client_id("other", "c-1", None, "s") is None


def test_a_client_id_is_its_senders_own_not_the_rooms(tmp_path):
    store = HistoryStore(tmp_path)
    theirs = store.append("room", "Eve", "first", client_id="c-1", identity="e" * 16)
    mine = store.append("room", "Ann", "second", client_id="c-1", identity="a" * 16)
    anonymous = store.append("room", "Bob", "third", client_id="c-1")
    assert store.find_client_id("room", "c-1", "e" * 16, "Eve") == theirs
    assert store.find_client_id("room", "c-1", "a" * 16, "Ann") == mine
    assert store.find_client_id("room", "c-1", None, "Bob") == anonymous
    assert store.find_client_id("room", "c-1", None, "Eve") is None


def test_a_schema_2_file_lets_two_senders_share_a_client_id_after_opening(tmp_path):
    store = HistoryStore(tmp_path)
    store.append("room", "Eve", "first", client_id="c-1", identity="e" * 16)
    store.close()
    with sqlite3.connect(tmp_path / HistoryStore.FILENAME) as db:  # as schema 2 left it
        db.execute("DROP INDEX messages_client_key")
        db.execute(
            "CREATE UNIQUE INDEX messages_client_id ON messages (room, client_id) WHERE client_id IS NOT NULL"
        )
        db.execute("PRAGMA user_version = 2")
    store = HistoryStore(tmp_path)
    assert store.append("room", "Ann", "second", client_id="c-1", identity="a" * 16).id == 2
    store.close()


def test_history_survives_reopening(tmp_path):
    store = HistoryStore(tmp_path)
    store.append("Общий", "Аня", "привет", client_id="c-1")
    store.close()
    reopened = HistoryStore(tmp_path)
    assert [(m.sender, m.text) for m in reopened.after("Общий", 0, 10)] == [("Аня", "привет")]
    assert reopened.append("Общий", "Bob", "hi").id == 2
    assert reopened.rooms() == {"Общий": 2}
