"""A history file of the previous release (schema 1: messages only, ids 1, 2, 3 ...) opens in place,
and its rooms go on in one sequence of positions (issue 15)."""

from __future__ import annotations

import sqlite3

from server.storage.history import HistoryLimits
from server.storage.sqlite_history import SCHEMA_VERSION, SqliteHistoryStore
from tests.support.history_files import make_schema_1_file


def test_a_schema_1_file_opens_keeps_its_messages_and_goes_on_from_its_newest_id(tmp_path):
    make_schema_1_file(
        tmp_path, {"general": [("Аня", "привет"), ("Bob", ""), ("Аня", "как дела?")], "other": [("C", "x")]}
    )
    store = SqliteHistoryStore(tmp_path)
    kept = store.after("general", 0, 10)
    assert [(m.id, m.sender, m.text, m.deleted) for m in kept] == [
        (1, "Аня", "привет", False),
        (2, "Bob", "", True),  # the old empty-text mark is a deleted message now
        (3, "Аня", "как дела?", False),
    ]
    assert all(m.identity is None and m.reply_to is None and m.changed_at is None for m in kept)
    assert (store.position("general"), store.position("other")) == (3, 1)
    assert store.append("general", "Bob", "new").id == 4
    edited = store.edit("general", 1, "привет всем")
    assert edited.changed_at == 5 and store.position("general") == 5
    assert store.find_client_id("general", "c-3", None, "Аня") == kept[2]
    store.close()

    again = SqliteHistoryStore(tmp_path)
    assert again.position("general") == 5 and again.get("general", 1).text == "привет всем"
    db = sqlite3.connect(tmp_path / SqliteHistoryStore.FILENAME)
    (version,) = db.execute("PRAGMA user_version").fetchone()
    assert version == SCHEMA_VERSION
    again.close()


def test_the_position_counter_outlives_trimmed_messages_and_restarts(tmp_path):
    store = SqliteHistoryStore(tmp_path)
    first = store.append("r", "a", "one")
    store.append("r", "a", "two")
    store.react("r", first.id, "👍", "0123456789abcdef", "a", True)  # position 3
    store.delete("r", first.id)  # position 4, of a message older than the newest
    store.close()
    again = SqliteHistoryStore(tmp_path)
    assert again.position("r") == 4 and again.append("r", "a", "three").id == 5
    assert again.reactions.of("r", [first.id]) == {}


def test_messages_the_history_lets_go_take_their_reactions_with_them(tmp_path):
    store = SqliteHistoryStore(tmp_path, HistoryLimits(room_messages=10))
    first = store.append("r", "a", "old")
    store.react("r", first.id, "👍", "0123456789abcdef", "a", True)
    for n in range(10):
        store.append("r", "a", f"m{n}")
    assert store.get("r", first.id) is None  # past the room's limit: the oldest went
    assert store.reactions.of("r", [first.id]) == {}
    db = sqlite3.connect(tmp_path / SqliteHistoryStore.FILENAME)
    (left,) = db.execute("SELECT COUNT(*) FROM reactions").fetchone()
    assert left == 0
