"""HistoryStore on a real SQLite file."""

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
    assert store.find_client_id("room", "c-1") == stored
    assert store.find_client_id("other", "c-1") is None


def test_history_survives_reopening(tmp_path):
    store = HistoryStore(tmp_path)
    store.append("Общий", "Аня", "привет", client_id="c-1")
    store.close()
    reopened = HistoryStore(tmp_path)
    assert [(m.sender, m.text) for m in reopened.after("Общий", 0, 10)] == [("Аня", "привет")]
    assert reopened.append("Общий", "Bob", "hi").id == 2
    assert reopened.rooms() == {"Общий": 2}
