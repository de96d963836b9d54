"""A store call on PostgreSQL is cut at STORE_CALL_TIMEOUT_SECONDS, and while the database gives no
answer every store of the process on it refuses at once, until it answers again (pg_reach.py).
Real stores on a real PostgreSQL; the silence is a relay this test owns (tests/support/silent_relay.py)
or the database's own pg_sleep."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from server.storage.history import StorageFailed
from server.storage.pg_reach import PROBE_SECONDS, STORE_CALL_TIMEOUT_SECONDS, WATCH_SECONDS
from server.storage.pg_room_state import PostgresRoomState
from server.storage.postgres_history import PostgresHistoryStore
from tests.support.silent_relay import SilentRelay

pytestmark = [pytest.mark.process, pytest.mark.serial]

# What a loaded test machine may add to the bound (scheduling, the watchdog's thread getting the GIL).
SLACK_SECONDS = 0.5
AT_ONCE_SECONDS = 0.05  # a refusal without touching the network
BACK_WITHIN_SECONDS = PROBE_SECONDS + STORE_CALL_TIMEOUT_SECONDS + 5.0


@pytest.fixture
def relay(postgres_url) -> Iterator[SilentRelay]:
    port = int(postgres_url.rpartition(":")[2].partition("/")[0])
    with SilentRelay("127.0.0.1", port) as relay:
        yield relay


def until_it_answers(call) -> float:
    """Try `call` until it does not raise StorageFailed; how long that took."""
    started = time.monotonic()
    while True:
        try:
            call()
            return time.monotonic() - started
        except StorageFailed:
            assert time.monotonic() - started < BACK_WITHIN_SECONDS, "the database never answered again"
            time.sleep(0.05)


def timed(call) -> tuple[float, StorageFailed | None]:
    started = time.monotonic()
    try:
        call()
    except StorageFailed as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


def test_a_statement_just_within_the_bound_answers_and_one_just_past_it_is_cut_at_the_bound(
    postgres_url, tmp_path
):
    store = PostgresHistoryStore(postgres_url, tmp_path)
    try:
        took, refused = timed(
            lambda: store.execute("SELECT pg_sleep(%s)", (STORE_CALL_TIMEOUT_SECONDS - 0.4,))
        )
        assert refused is None, refused
        took, refused = timed(
            lambda: store.execute("SELECT pg_sleep(%s)", (STORE_CALL_TIMEOUT_SECONDS + 0.4,))
        )
        assert refused is not None and "no answer within" in str(refused)
        assert STORE_CALL_TIMEOUT_SECONDS <= took < STORE_CALL_TIMEOUT_SECONDS + WATCH_SECONDS + SLACK_SECONDS
        # The database itself was fine, only slow: the check, run at once, clears the mark before
        # it would have tried a second time.
        took = until_it_answers(lambda: store.append("room", "A", "after the cut"))
        assert took < PROBE_SECONDS, took
        assert [message.text for message in store.after("room", 0, 10)] == ["after the cut"]
    finally:
        store.close()


def test_a_silent_database_costs_one_call_the_bound_then_every_store_refuses_at_once_until_it_is_back(
    relay, postgres_url, tmp_path
):
    url = relay.url_for(postgres_url)
    history = PostgresHistoryStore(url, tmp_path)
    state = PostgresRoomState(url)
    try:
        history.append("room", "A", "before")
        version = state.version()
        relay.go_silent()
        took, refused = timed(lambda: history.append("room", "A", "in the silence", "cid-1"))
        assert refused is not None
        assert STORE_CALL_TIMEOUT_SECONDS <= took < STORE_CALL_TIMEOUT_SECONDS + WATCH_SECONDS + SLACK_SECONDS
        for _ in range(10):  # the history's own calls, and another store's on its own connection
            for call in (
                lambda: history.last_id("room"),
                state.version,
                lambda: state.take_budget("k", "a", 5, 1),
            ):
                took, refused = timed(call)
                assert refused is not None and "is away" in str(refused)
                assert took < AT_ONCE_SECONDS, took
        relay.resume()
        # The check tries every PROBE_SECONDS (its attempt under way when the relay resumed goes
        # through): the stores take calls again within about that.
        took = until_it_answers(lambda: history.append("room", "A", "back", "cid-2"))
        assert took < PROBE_SECONDS + 2 * SLACK_SECONDS, took
        assert state.version() == version
        # The refused append may have reached the database as the relay resumed (as across any
        # network): a client sends it again under its client_id, and the store finds it.
        texts = [message.text for message in history.after("room", 0, 10)]
        assert texts in (["before", "back"], ["before", "in the silence", "back"]), texts
    finally:
        history.close()
        state.close()


def test_a_call_waiting_for_a_shared_connection_another_thread_holds_gives_up_within_the_bound(
    relay, postgres_url
):
    state = PostgresRoomState(relay.url_for(postgres_url))
    try:
        state.version()
        relay.go_silent()
        hung = threading.Thread(target=lambda: timed(state.version))  # as the shared state's poll thread
        hung.start()
        time.sleep(0.2)
        took, refused = timed(lambda: state.password_locked_for("127.0.0.1"))  # as the loop would
        assert refused is not None
        assert took < STORE_CALL_TIMEOUT_SECONDS + WATCH_SECONDS + SLACK_SECONDS
        hung.join()
        relay.resume()
        until_it_answers(state.version)
    finally:
        state.close()
