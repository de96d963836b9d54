"""What only the PostgreSQL engine has: several stores (nodes) on one database, its versioned
schema, and a connection that the database dropped. A real PostgreSQL (the postgres_cluster
fixture); each test its own database."""

from __future__ import annotations

import threading

import psycopg
import pytest

from server.storage.history import HistoryLimits, StorageFailed
from server.storage.postgres_history import SCHEMA_VERSION, PostgresHistoryStore
from server.storage.search import query_terms

WRITERS = 4
EACH = 40


@pytest.fixture
def nodes(postgres_url, tmp_path):
    """Opens stores on this test's database, as separate nodes would (each its own connection)."""
    opened: list[PostgresHistoryStore] = []

    def open_(limits: HistoryLimits | None = None) -> PostgresHistoryStore:
        store = PostgresHistoryStore(postgres_url, tmp_path / f"node{len(opened)}", limits)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


def test_nodes_posting_at_once_keep_the_rooms_positions_dense_and_in_order(nodes):
    stores = [nodes() for _ in range(WRITERS)]
    taken: list[list[int]] = [[] for _ in stores]
    start = threading.Barrier(WRITERS)

    def post(index: int) -> None:
        store = stores[index]
        start.wait()
        for n in range(EACH):
            message = store.append("busy", f"node{index}", f"{index}:{n}")
            taken[index].append(message.id)
            if n % 10 == 0:  # changes take positions from the same counter
                store.react("busy", message.id, "👍", f"{index:016d}", f"node{index}", True)

    threads = [threading.Thread(target=post, args=(index,)) for index in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    reader = stores[0]
    messages = reader.after("busy", 0, WRITERS * EACH + 1)
    assert len(messages) == WRITERS * EACH and reader.rooms() == {"busy": WRITERS * EACH}
    reactions = WRITERS * len(range(0, EACH, 10))
    positions = sorted([m.id for m in messages] + [m.changed_at for m in messages if m.changed_at])
    assert positions == list(range(1, WRITERS * EACH + reactions + 1))  # none twice, none skipped
    for index, ids in enumerate(taken):
        assert ids == sorted(ids)  # each node's own posts in the order it sent them
        texts = [m.text for m in messages if m.sender == f"node{index}"]
        assert texts == [f"{index}:{n}" for n in range(EACH)]
    assert all(store.position("busy") == positions[-1] for store in stores)


def test_what_one_node_stores_the_next_reads_at_once(nodes):
    first, second = nodes(), nodes()
    message = first.append("r", "Ann", "книги на полке", client_id="c-1")
    assert second.get("r", message.id) == message
    assert second.find_client_id("r", "c-1", None, "Ann") == message
    assert [hit.id for hit in second.search(query_terms("книга"), ["r"], 0, 10)] == [message.id]
    second.edit("r", message.id, "edited on the second node")
    assert first.position("r") == 2 and first.get("r", message.id).text == "edited on the second node"
    assert second.append("r", "Bob", "next").id == 3


def test_a_rooms_limit_holds_whichever_node_wrote(nodes):
    limits = HistoryLimits(room_messages=10)
    first, second = nodes(limits), nodes(limits)
    for n in range(6):
        first.append("r", "Ann", f"a{n}")
        second.append("r", "Bob", f"b{n}")
    # The 11th message (the second node's) went past 10: the oldest went, down to 9; then one more.
    assert first.rooms() == second.rooms() == {"r": 10}
    assert (first.first_id("r"), second.last_id("r")) == (3, 12)


def test_the_schema_is_made_once_and_its_version_recorded(nodes, postgres_url):
    nodes().append("r", "Ann", "hello")
    nodes()  # a second node starting on the same database changes nothing
    with psycopg.connect(postgres_url) as db:
        versions = dict(db.execute("SELECT component, version FROM schema_version").fetchall())
        (count,) = db.execute("SELECT COUNT(*) FROM messages").fetchone()
    assert versions["history"] == SCHEMA_VERSION and count == 1


def test_a_database_of_a_newer_lanchat_is_refused_rather_than_changed(nodes, postgres_url):
    nodes().close()
    with psycopg.connect(postgres_url) as db:
        db.execute("UPDATE schema_version SET version = version + 1 WHERE component = 'history'")
    with pytest.raises(StorageFailed, match="newer"):
        nodes()


def test_an_index_of_another_version_is_made_again_on_open(nodes, postgres_url):
    nodes().append("general", "Ann", "книги на полке")
    with psycopg.connect(postgres_url) as db:
        db.execute("UPDATE schema_version SET version = version - 1 WHERE component = 'search_index'")
        db.execute("UPDATE messages SET words = NULL")  # as if indexed some other way
    reopened = nodes()
    hits = reopened.search(query_terms("книга"), ["general"], 0, 10)
    assert [hit.text for hit in hits] == ["книги на полке"]


def test_a_dropped_connection_fails_one_call_and_the_next_connects_again(nodes, postgres_url):
    store = nodes()
    store.append("r", "Ann", "before")
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    with pytest.raises(StorageFailed):
        store.append("r", "Ann", "lost with the connection")
    assert store.append("r", "Ann", "after").id == 2  # nothing half-stored, no position skipped
    assert [m.text for m in store.after("r", 0, 10)] == ["before", "after"]


def test_what_goes_with_a_message_commits_with_it_or_the_message_is_not_stored_either(nodes, postgres_url):
    store = nodes()
    store.append("room", "Ann", "before")
    with psycopg.connect(postgres_url, autocommit=True) as other:
        other.execute("CREATE TABLE along_rows (message_id BIGINT)")
        seen_inside: list[int] = []

        def along(joint, message):
            joint.execute("INSERT INTO along_rows VALUES (%s)", (message.id,))
            # Another node sees neither the message nor the row before the commit.
            seen_inside.append(other.execute("SELECT count(*) FROM messages").fetchone()[0])

        stored = store.append("room", "Ann", "with rows", along=along)
        assert seen_inside == [1]
        assert other.execute("SELECT message_id FROM along_rows").fetchall() == [(stored.id,)]

        def failing(joint, message):
            joint.execute("INSERT INTO along_rows VALUES (%s)", (message.id,))
            joint.execute("SELECT 1 / 0")

        with pytest.raises(StorageFailed):
            store.append("room", "Ann", "never", along=failing)
        # Neither the message nor its rows; the position was not taken either.
        assert [m.text for m in store.after("room", 0, 10)] == ["before", "with rows"]
        assert other.execute("SELECT count(*) FROM along_rows").fetchone()[0] == 1
        assert store.append("room", "Ann", "next").id == stored.id + 1
