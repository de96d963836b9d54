"""Search on each engine (`open_store`): SQLite's FTS5 index kept by its triggers on `messages`,
PostgreSQL's tsvector column; both hold our own stems, so one table of cases serves both. Then
what only SQLite's files have (indexing a file from before search), and the pure functions."""

import sqlite3

import pytest

from server.protocol.codes import ErrorCode
from server.protocol.limits import (
    MAX_SEARCH_QUERY_CHARS,
    MAX_SEARCH_TERMS,
    MAX_TEXT_CHARS,
    SEARCH_SNIPPET_CHARS,
)
from server.protocol.refusals import Refused
from server.storage.history import HistoryLimits, HistoryStore
from server.storage.search import index_words, query_terms, snippet
from server.storage.sqlite_history import SqliteHistoryStore


def found(store: HistoryStore, query: str, rooms=("general",)) -> list[str]:
    return [hit.text for hit in store.search(query_terms(query), list(rooms), 0, 50)]


def test_russian_and_english_words_match_regardless_of_case_and_word_form(open_store):
    store = open_store()
    store.append("general", "Аня", "Я купила Книгу вчера")
    store.append("general", "Bob", "The MEETING was moved")
    store.append("general", "Вера", "Ёлка стоит в углу")
    store.append("general", "Dan", "nothing to see")
    assert found(store, "книги") == ["Я купила Книгу вчера"]
    assert found(store, "КНИГА") == ["Я купила Книгу вчера"]
    assert found(store, "meetings") == ["The MEETING was moved"]
    assert found(store, "meeting moves") == ["The MEETING was moved"]
    assert found(store, "елки") == ["Ёлка стоит в углу"]  # ё is found by е and the other way round
    assert found(store, "книга meeting") == []  # every word must be in the message


# One table for both engines: a query, and the texts it finds (newest first).
TEXTS = [
    "Я купила Книгу вчера",
    "The MEETING was moved",
    "Встреча в café на вокзале",
    "version 2 released, 2nd try",
    "snake_case names",
    "Привет, мир! Hello, world!",
]
CASES = [
    ("книга", ["Я купила Книгу вчера"]),
    ("meetings", ["The MEETING was moved"]),
    ("cafe", ["Встреча в café на вокзале"]),
    ("Café вокзал", ["Встреча в café на вокзале"]),
    ("2", ["version 2 released, 2nd try"]),
    ("2nd", ["version 2 released, 2nd try"]),
    ("case", ["snake_case names"]),
    ("мир hello", ["Привет, мир! Hello, world!"]),
    ("world встреча", []),
    ("o'clock", []),
]


@pytest.mark.parametrize(("query", "texts"), CASES)
def test_both_engines_find_the_same_messages(open_store, query, texts):
    store = open_store()
    for text in TEXTS:
        store.append("general", "Ann", text)
    assert found(store, query) == texts


def test_a_word_too_long_to_search_for_still_lets_its_message_be_stored_and_found(open_store):
    # A tsvector's lexeme holds at most 2047 bytes (a longer one would come back cut, so 2,148 x's
    # would be found as 100); a query is far shorter, so such a word is never asked for.
    store = open_store()
    store.append("general", "Ann", "я" * MAX_TEXT_CHARS)
    store.append("general", "Ann", "x" * 2148 + " хвост")
    assert found(store, "хвост") == ["x" * 2148 + " хвост"]
    assert found(store, "x" * 100) == []


def test_results_come_newest_first_and_only_from_the_rooms_asked(open_store):
    store = open_store()
    for index in range(5):
        store.append("general", "Ann", f"report {index}")
    store.append("other", "Ann", "report elsewhere")
    assert found(store, "report") == [f"report {index}" for index in reversed(range(5))]
    assert found(store, "report", rooms=("other",)) == ["report elsewhere"]
    assert len(found(store, "report", rooms=("general", "other"))) == 6
    assert found(store, "report", rooms=()) == []
    page = store.search(query_terms("report"), ["general"], 2, 2)
    assert [hit.text for hit in page] == ["report 2", "report 1"]


def test_an_edited_message_is_found_by_its_new_words_only(open_store):
    store = open_store()
    message = store.append("general", "Ann", "meet at the station")
    store.edit("general", message.id, "встреча в кафе")
    assert found(store, "station") == []
    assert found(store, "кафе") == ["встреча в кафе"]


def test_a_deleted_message_leaves_the_index(open_store):
    store = open_store()
    message = store.append("general", "Ann", "секретный пароль")
    store.append("general", "Ann", "пароль от wifi")
    store.delete("general", message.id)
    assert found(store, "пароль") == ["пароль от wifi"]
    assert found(store, "секретный") == []


def test_trimmed_messages_leave_the_index_too(open_store):
    store = open_store(HistoryLimits(room_messages=10))
    for index in range(11):
        store.append("general", "Ann", f"note {index}")
    kept = {message.text for message in store.after("general", 0, 100)}
    assert set(found(store, "note")) == kept and len(kept) == 9


def test_a_file_from_before_search_gets_its_index_once_on_open(tmp_path):
    # The previous release's schema, written without the store (it had no search tables).
    db = sqlite3.connect(tmp_path / SqliteHistoryStore.FILENAME)
    db.executescript(
        "CREATE TABLE messages (room TEXT NOT NULL, id INTEGER NOT NULL, sender TEXT NOT NULL,"
        " text TEXT NOT NULL, timestamp REAL NOT NULL, client_id TEXT, PRIMARY KEY (room, id)) WITHOUT ROWID;"
    )
    db.executemany(
        "INSERT INTO messages VALUES (?, ?, ?, ?, ?, NULL)",
        [("general", 1, "Ann", "старое сообщение", 1.0), ("general", 2, "Bob", "", 2.0)],
    )
    db.commit()
    db.close()
    store = SqliteHistoryStore(tmp_path)
    assert found(store, "сообщения") == ["старое сообщение"]
    store.append("general", "Ann", "новое сообщение")
    store.close()
    reopened = SqliteHistoryStore(tmp_path)  # indexed already: not again (no row twice)
    assert found(reopened, "сообщение") == ["новое сообщение", "старое сообщение"]


def test_a_query_needs_a_word_and_keeps_within_its_limits():
    for query in ("", "  ", "?!", "😀"):
        with pytest.raises(Refused) as refused:
            query_terms(query)
        assert refused.value.code == ErrorCode.SEARCH_INVALID
    assert len(query_terms(" ".join(f"w{index}" for index in range(MAX_SEARCH_TERMS)))) == MAX_SEARCH_TERMS
    with pytest.raises(Refused):
        query_terms(" ".join(f"w{index}" for index in range(MAX_SEARCH_TERMS + 1)))
    assert query_terms("word word Words") == [("word", "words")]  # one stem: one term, counted once
    query_terms("a" * MAX_SEARCH_QUERY_CHARS)
    with pytest.raises(Refused):
        query_terms("a" * (MAX_SEARCH_QUERY_CHARS + 1))


def test_index_words_are_stems_and_words_split_like_fts5():
    assert index_words("Книги, книгу; КНИГА!") == "книг книги книг книгу книг книга"
    assert index_words("snake_case café") == "snake case cafe"


def test_a_base_form_the_stemmer_cuts_too_far_still_finds_its_other_forms(open_store):
    # Snowball's Russian stemmer makes вокзал "вокза" but вокзале "вокзал": the word typed counts too.
    store = open_store()
    store.append("general", "Ann", "Встреча на вокзале")
    store.append("general", "Bob", "Вокзал закрыт")
    assert found(store, "вокзал") == ["Вокзал закрыт", "Встреча на вокзале"]
    assert found(store, "вокзале") == ["Вокзал закрыт", "Встреча на вокзале"]


def test_a_snippet_marks_the_matched_words_in_javascript_string_units():
    text, marks = snippet("😀 Книгу купила, книги читаю", query_terms("книга"))
    assert text == "😀 Книгу купила, книги читаю"
    # The emoji is two UTF-16 code units: a JavaScript slice of the marks gives the words.
    utf16 = text.encode("utf-16-le")
    assert [utf16[2 * a : 2 * b].decode("utf-16-le") for a, b in marks] == ["Книгу", "книги"]


def test_a_long_message_is_cut_to_a_window_around_its_first_match():
    long_text = "начало " * 100 + "искомое слово" + " конец" * 100
    text, marks = snippet(long_text, query_terms("искомое"))
    assert text.startswith("…") and text.endswith("…")
    assert len(text) <= SEARCH_SNIPPET_CHARS + 2
    assert [text[a:b] for a, b in marks] == ["искомое"]
    short = "x" * SEARCH_SNIPPET_CHARS
    assert snippet(short, ["x"])[0] == short


def test_an_index_of_another_version_is_made_again_on_open(tmp_path):
    store = SqliteHistoryStore(tmp_path)
    store.append("general", "Ann", "книги на полке")
    store._db.execute("UPDATE search_meta SET value = value - 1 WHERE key = 'version'")
    store._db.execute("DELETE FROM search_index")  # as if indexed some other way
    store.close()
    reopened = SqliteHistoryStore(tmp_path)
    assert found(reopened, "книга") == ["книги на полке"]
    (rows,) = reopened._db.execute("SELECT COUNT(*) FROM search_rows").fetchone()
    assert rows == 1
