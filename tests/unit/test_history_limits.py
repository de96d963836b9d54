"""How much history the store keeps: the oldest go past a room's or the host's limit, on each
engine (`open_store`), and nothing is written when the data folder's disk is nearly full (SQLite's;
a database's disk is its server's). Small limits, to reach them quickly."""

import shutil

import pytest

from server.storage.history import (
    MAX_HOST_HISTORY_BYTES,
    MAX_ROOM_HISTORY_BYTES,
    MAX_ROOM_HISTORY_MESSAGES,
    MIN_FREE_DISK_BYTES,
    DiskNearlyFull,
    HistoryLimits,
    message_size,
)
from server.storage.sqlite_history import SqliteHistoryStore

SIZE = message_size("Ann", "hello", None)  # every message below


def fill(store, room, count):
    for _ in range(count):
        store.append(room, "Ann", "hello")


def test_the_default_limits_are_the_named_constants():
    assert HistoryLimits() == HistoryLimits(
        MAX_ROOM_HISTORY_MESSAGES, MAX_ROOM_HISTORY_BYTES, MAX_HOST_HISTORY_BYTES, MIN_FREE_DISK_BYTES
    )


def test_a_room_keeps_its_message_limit_and_drops_the_oldest_tenth_past_it(open_store):
    store = open_store(HistoryLimits(room_messages=100))
    fill(store, "busy", 100)
    fill(store, "quiet", 3)
    assert store.rooms() == {"busy": 100, "quiet": 3} and store.first_id("busy") == 1
    fill(store, "busy", 1)
    assert store.rooms() == {"busy": 90, "quiet": 3}
    assert (store.first_id("busy"), store.last_id("busy")) == (12, 101)
    assert [m.id for m in store.after("busy", 0, 2)] == [12, 13]
    assert store.append("busy", "Ann", "next").id == 102


def test_a_room_keeps_its_byte_limit(open_store):
    store = open_store(HistoryLimits(room_bytes=10 * SIZE))
    fill(store, "busy", 10)
    assert store.rooms() == {"busy": 10} and store.size == 10 * SIZE
    fill(store, "busy", 1)
    assert store.rooms() == {"busy": 9} and store.size == 9 * SIZE


def test_past_the_host_limit_the_largest_room_loses_its_oldest_and_a_quiet_room_keeps_all(open_store):
    store = open_store(HistoryLimits(host_bytes=20 * SIZE))
    fill(store, "quiet", 3)
    fill(store, "flood", 17)
    assert store.size == 20 * SIZE
    fill(store, "flood", 1)
    assert store.rooms() == {"quiet": 3, "flood": 15}
    assert store.size == 18 * SIZE and store.first_id("flood") == 4


def test_a_room_always_keeps_its_newest_message(open_store):
    store = open_store(HistoryLimits(room_bytes=SIZE // 2, host_bytes=SIZE // 2))
    fill(store, "r", 3)
    assert store.rooms() == {"r": 1} and store.first_id("r") == store.last_id("r") == 3


def test_what_was_kept_and_where_ids_go_on_survive_reopening(open_store):
    store = open_store(HistoryLimits(room_messages=10))
    fill(store, "r", 11)
    kept = (store.rooms(), store.first_id("r"), store.last_id("r"), store.size)
    store.close()
    again = open_store(HistoryLimits(room_messages=10))
    assert (again.rooms(), again.first_id("r"), again.last_id("r"), again.size) == kept
    assert again.append("r", "Ann", "after the restart").id == 12


def test_nothing_is_stored_while_the_disk_has_less_than_the_minimum_free(tmp_path):
    free = shutil.disk_usage(tmp_path).free
    store = SqliteHistoryStore(tmp_path, HistoryLimits(min_free_disk_bytes=free + 2**30))
    with pytest.raises(DiskNearlyFull):
        store.append("r", "Ann", "hello")
    assert store.rooms() == {} and store.after("r", 0, 10) == []
    store.close()
    roomy = SqliteHistoryStore(tmp_path, HistoryLimits(min_free_disk_bytes=max(0, free - 2**30)))
    assert roomy.append("r", "Ann", "hello").id == 1
