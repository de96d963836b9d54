"""What a SQLite store does after a message rather than in its commit: the WAL checkpoint (its own
thread, once the writes are quiet) and the search index (a batch on the loop,
SEARCH_INDEX_AFTER_SECONDS later). A real SQLite file each; the loop is a real asyncio loop."""

import asyncio
import time

from server.storage.receipts import SqliteReceipts
from server.storage.search import query_terms
from server.storage.sqlite_history import (
    AUTOCHECKPOINT_BACKSTOP_PAGES,
    CHECKPOINT_AFTER_COMMITS,
    CHECKPOINT_QUIET_SECONDS,
    SEARCH_INDEX_AFTER_SECONDS,
    SqliteHistoryStore,
    WalCheckpointer,
)

WAIT = 10.0


def indexed_rows(store: SqliteHistoryStore) -> int:
    """Rows in the full-text index itself (a search would index what is waiting first)."""
    (rows,) = store._db.execute("SELECT COUNT(*) FROM search_index").fetchone()
    return rows


def test_a_checkpoint_waits_for_the_writes_to_be_quiet_and_is_the_stores_threads(tmp_path):
    store = SqliteHistoryStore(tmp_path)
    try:
        (backstop,) = store._db.execute("PRAGMA wal_autocheckpoint").fetchone()
        assert backstop == AUTOCHECKPOINT_BACKSTOP_PAGES
        assert store.checkpointer._thread is None  # a store only read costs no thread
        store.append("general", "Ann", "hello")
        store.append("general", "Bob", "hi")  # the same checkpoint covers both
        last_commit = time.monotonic()
        assert store.checkpointer.checkpoints == 0  # not in the commit
        while store.checkpointer.checkpoints == 0:
            assert time.monotonic() - last_commit < WAIT
            time.sleep(0.02)
        assert time.monotonic() - last_commit >= CHECKPOINT_QUIET_SECONDS
        assert store.checkpointer.checkpoints == 1
        # Everything committed went into the main file: nothing is left to checkpoint.
        (busy, log_frames, done) = store._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert (busy, log_frames - done) == (0, 0)
    finally:
        store.close()
    assert not store.checkpointer._thread.is_alive()


def test_writes_that_never_go_quiet_get_a_checkpoint_after_so_many_commits(tmp_path):
    SqliteHistoryStore(tmp_path).close()  # a WAL file to checkpoint
    never_quiet = WalCheckpointer(tmp_path / SqliteHistoryStore.FILENAME, quiet_seconds=3600)
    try:
        for _ in range(CHECKPOINT_AFTER_COMMITS - 1):
            never_quiet.written()
        time.sleep(0.2)
        assert never_quiet.checkpoints == 0
        never_quiet.written()
        started = time.monotonic()
        while never_quiet.checkpoints == 0:
            assert time.monotonic() - started < WAIT
            time.sleep(0.02)
    finally:
        never_quiet.close()


def test_a_message_is_indexed_for_search_a_delay_after_its_commit_on_the_loop(tmp_path):
    store = SqliteHistoryStore(tmp_path)

    async def post_then_wait() -> tuple[int, int]:
        for number in range(3):
            store.append("general", "Ann", f"книги на полке {number}")
        at_once = indexed_rows(store)
        await asyncio.sleep(SEARCH_INDEX_AFTER_SECONDS)  # the store's timer is due first
        return at_once, indexed_rows(store)

    try:
        assert asyncio.run(post_then_wait()) == (0, 3)
    finally:
        store.close()


def test_a_search_finds_a_message_not_yet_indexed(tmp_path):
    store = SqliteHistoryStore(tmp_path)
    try:
        store.append("general", "Ann", "встреча на вокзале")
        assert indexed_rows(store) == 0
        hits = store.search(query_terms("вокзал"), ["general"], 0, 10)
        assert [hit.text for hit in hits] == ["встреча на вокзале"]
    finally:
        store.close()


def test_what_a_crash_left_unindexed_is_indexed_when_the_file_opens(tmp_path):
    crashed = SqliteHistoryStore(tmp_path)
    crashed.append("general", "Ann", "старое сообщение")
    crashed.edit("general", 1, "новое сообщение")  # edited while waiting: its last words count
    assert indexed_rows(crashed) == 0
    # Never closed, as after a kill: the next process opens the same file.
    reopened = SqliteHistoryStore(tmp_path)
    try:
        assert indexed_rows(reopened) == 1
        hits = reopened.search(query_terms("новое"), ["general"], 0, 10)
        assert [hit.text for hit in hits] == ["новое сообщение"]
        assert reopened.search(query_terms("старое"), ["general"], 0, 10) == []
    finally:
        reopened.close()
        crashed.checkpointer.close()  # its connection goes with the test process


def test_an_indexed_message_edited_later_is_indexed_again_at_once(tmp_path):
    store = SqliteHistoryStore(tmp_path)
    try:
        store.append("general", "Ann", "meet at the station")
        store.index_pending()
        store.edit("general", 1, "meet at the airport")
        assert indexed_rows(store) == 1
        (mark,) = store._db.execute("SELECT value FROM search_meta WHERE key = 'indexed'").fetchone()
        assert mark == 1  # nothing waits: the edit's trigger put the new words in itself
        assert store.search(query_terms("station"), ["general"], 0, 10) == []
        assert len(store.search(query_terms("airport"), ["general"], 0, 10)) == 1
    finally:
        store.close()


def test_read_receipts_in_the_same_file_leave_checkpoints_to_the_stores_thread_too(tmp_path):
    store = SqliteHistoryStore(tmp_path)
    receipts = SqliteReceipts(store.path)
    try:
        (backstop,) = receipts._db.execute("PRAGMA wal_autocheckpoint").fetchone()
        assert backstop == AUTOCHECKPOINT_BACKSTOP_PAGES
    finally:
        receipts.close()
        store.close()
