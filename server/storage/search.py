"""Full-text search over the history: an SQLite FTS5 index kept by triggers on `messages`.

Triggers on the store's `messages` table keep the index right whoever writes the table: an
inserted message is numbered for the index at once (`search_rows`), an indexed message's words are
replaced when its text changes (an edit) and dropped when the text is blanked (a delete) or the
row goes (trimming). A new message's words go into the index a little later, in a batch
(index_pending: the store calls it on its loop SEARCH_INDEX_AFTER_SECONDS after a message, before
every search and when it opens or closes): written in each message's own transaction, FTS5 added
some seven pages to every commit and merged its segments in some of them (up to 27 ms, on the
event loop, before anyone heard of the message). What is numbered and not yet indexed is every
row past the `indexed` mark in `search_meta`, so a crash in between loses nothing: the next open
indexes it. A search always sees every stored message.

Word forms: the index holds STEMS, not words. Each word (a run of letters and digits, as
FTS5's unicode61 tokenizer splits) is lower-cased, `ё` read as the plain Cyrillic e (U+0435),
Latin diacritics removed (café = cafe; Cyrillic `й` stays itself), and cut to its Snowball stem:
Russian for a word with Cyrillic letters, English for the rest (PyStemmer). A query's words go
the same way, so "книгу" finds "книги" and "Книга", "messages" finds "message". The stemming is
one Python function, registered on the store's connection as the SQL function
`lanchat_search_words` that the triggers call: FTS5 tokenizers cannot be written in Python, and
this keeps FTS5's own tokenizer a plain split of our stems.

Rows: FTS5 needs an integer rowid, and `messages` is WITHOUT ROWID (its key is room, id), so
`search_rows` gives every message a sequence number in insertion order, which is also the order
results come in (newest first) without sorting the matches.

Snippets are made here from the stored text (never HTML): a window of the text around the first
match, with the matched words' ranges in UTF-16 code units, as a JavaScript string counts.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from server.protocol.codes import ErrorCode
from server.protocol.frames import SearchResult
from server.protocol.limits import MAX_SEARCH_QUERY_CHARS, MAX_SEARCH_TERMS, SEARCH_SNIPPET_CHARS
from server.protocol.refusals import Refused

if TYPE_CHECKING:
    import Stemmer  # type: ignore[import-not-found]  # PyStemmer ships no type hints

__all__ = [
    "SEARCH_INDEX_VERSION",
    "SearchHit",
    "Term",
    "hit_frame",
    "index_pending",
    "index_words",
    "install",
    "match_expression",
    "query_terms",
    "search",
    "snippet",
]

# Bump when index_words changes: a file indexed by another version is indexed again on open.
SEARCH_INDEX_VERSION = 2

# A word, as FTS5's unicode61 splits: letters and digits of any script (not "_", not marks).
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    # Loaded on the first word stemmed, not at import: the server's settings import the history
    # store and so this module, and a process that stems nothing yet should not load PyStemmer.
    import Stemmer

    return Stemmer.Stemmer(language)


# One word's forms in the index and in a query: its stem, then the word itself when that differs.
Term = tuple[str, ...]


@lru_cache(maxsize=65536)
def _forms(word: str) -> Term:
    word = word.lower().replace("ё", "\u0435")  # ё is searched as its plain e
    if _CYRILLIC.search(word):
        stem = str(_stemmer("russian").stemWord(word))
    else:
        if not word.isascii():
            # Latin (and other) diacritics go: café = cafe. Cyrillic letters never get here.
            decomposed = unicodedata.normalize("NFKD", word)
            word = "".join(char for char in decomposed if not unicodedata.combining(char))
        stem = str(_stemmer("english").stemWord(word))
    return (stem,) if stem == word else (stem, word)


def index_words(text: str) -> str:
    """What the index holds for a text: each word's stem, and the word itself when it differs
    (Snowball cuts some base forms too far, вокзал to вокза, while вокзале is cut to вокзал: a
    query matches either the stem or the word it typed)."""
    return " ".join(" ".join(_forms(word)) for word in _WORD.findall(text))


def query_terms(query: str) -> list[Term]:
    """A query's distinct words, as their forms, in order; Refused (search_invalid) for an
    unusable query."""
    if len(query) > MAX_SEARCH_QUERY_CHARS:
        raise Refused(
            ErrorCode.SEARCH_INVALID, f"A search is at most {MAX_SEARCH_QUERY_CHARS} characters long."
        )
    by_stem: dict[str, dict[str, None]] = {}  # words of one stem are one term, in any of their forms
    for word in _WORD.findall(query):
        stem, *rest = _forms(word)
        by_stem.setdefault(stem, {}).update(dict.fromkeys(rest))
    terms = [(stem, *forms) for stem, forms in by_stem.items()]
    if not terms:
        raise Refused(ErrorCode.SEARCH_INVALID, "A search needs at least one word (letters or digits).")
    if len(terms) > MAX_SEARCH_TERMS:
        raise Refused(ErrorCode.SEARCH_INVALID, f"A search has at most {MAX_SEARCH_TERMS} different words.")
    return terms


_SCHEMA = """
CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS search_rows (
    seq  INTEGER PRIMARY KEY,
    room TEXT    NOT NULL,
    id   INTEGER NOT NULL,
    UNIQUE (room, id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(words, tokenize = 'unicode61 remove_diacritics 0');

CREATE TRIGGER IF NOT EXISTS search_on_delete AFTER DELETE ON messages BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT seq FROM search_rows WHERE room = old.room AND id = old.id);
    DELETE FROM search_rows WHERE room = old.room AND id = old.id;
END;
"""

# Replaced whenever a file is opened: files from before batching had them index every insert.
# A row past the `indexed` mark is not in the index yet: an edit leaves its words to index_pending.
_BATCHED_TRIGGERS = """
DROP TRIGGER IF EXISTS search_on_insert;
DROP TRIGGER IF EXISTS search_on_update;
CREATE TRIGGER search_on_insert AFTER INSERT ON messages BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT seq FROM search_rows WHERE room = new.room AND id = new.id);
    DELETE FROM search_rows WHERE room = new.room AND id = new.id;
    INSERT INTO search_rows (room, id) VALUES (new.room, new.id);
END;
CREATE TRIGGER search_on_update AFTER UPDATE OF text ON messages
WHEN old.text IS NOT new.text BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT seq FROM search_rows WHERE room = old.room AND id = old.id);
    INSERT INTO search_index (rowid, words)
        SELECT seq, lanchat_search_words(new.text) FROM search_rows
        WHERE room = new.room AND id = new.id AND new.text != ''
        AND seq <= (SELECT value FROM search_meta WHERE key = 'indexed');
END;
"""

_DROP = """
DROP TRIGGER IF EXISTS search_on_insert;
DROP TRIGGER IF EXISTS search_on_update;
DROP TRIGGER IF EXISTS search_on_delete;
DROP TABLE IF EXISTS search_index;
DROP TABLE IF EXISTS search_rows;
"""


def install(db: sqlite3.Connection) -> None:
    """Register the stemming function on `db` (every connection that writes `messages` needs it)
    and make sure the index exists and is current: a file from before search, or indexed by
    another SEARCH_INDEX_VERSION, is indexed here once, in one transaction; what a crash left
    numbered and not yet indexed is indexed now."""
    db.create_function("lanchat_search_words", 1, index_words, deterministic=True)
    has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_meta'").fetchone()
    version = (
        db.execute("SELECT value FROM search_meta WHERE key = 'version'").fetchone() if has_meta else None
    )
    if version is not None and version[0] == SEARCH_INDEX_VERSION:
        db.executescript(_SCHEMA)  # no-op for a current file; the schema stays declared in one place
    else:
        _index_everything(db)
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in _split(_BATCHED_TRIGGERS):
            db.execute(statement)
        # A file without the mark was indexed by triggers that indexed every insert: all of it.
        db.execute(
            "INSERT OR IGNORE INTO search_meta (key, value)"
            " SELECT 'indexed', COALESCE(MAX(seq), 0) FROM search_rows"
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    index_pending(db)
    _secure_delete(db)


def _index_everything(db: sqlite3.Connection) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in _split(_DROP + _SCHEMA):
            db.execute(statement)
        # Oldest first, so sequence order is insertion order for the old messages too.
        db.execute(
            "INSERT INTO search_rows (room, id) SELECT room, id FROM messages ORDER BY timestamp, room, id"
        )
        db.execute(
            "INSERT INTO search_index (rowid, words) SELECT r.seq, lanchat_search_words(m.text)"
            " FROM search_rows r JOIN messages m ON m.room = r.room AND m.id = r.id WHERE m.text != ''"
        )
        db.execute(
            "INSERT OR REPLACE INTO search_meta (key, value) VALUES ('version', ?)", (SEARCH_INDEX_VERSION,)
        )
        db.execute(
            "INSERT OR REPLACE INTO search_meta (key, value)"
            " SELECT 'indexed', COALESCE(MAX(seq), 0) FROM search_rows"
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def index_pending(db: sqlite3.Connection) -> int:
    """Index the messages numbered past the `indexed` mark, in one transaction of their own (the
    caller is in none), and move the mark past them; how many rows that covered. Numbers only grow
    while the newest row stays, and trimming never takes a room's newest message, so a number at
    or under the mark is never handed out again."""
    (mark,) = db.execute("SELECT value FROM search_meta WHERE key = 'indexed'").fetchone()
    (last,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM search_rows").fetchone()
    if last <= mark:
        return 0
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(
            "INSERT INTO search_index (rowid, words) SELECT r.seq, lanchat_search_words(m.text)"
            " FROM search_rows r JOIN messages m ON m.room = r.room AND m.id = r.id"
            " WHERE r.seq > ? AND r.seq <= ? AND m.text != ''",
            (mark, last),
        )
        db.execute("UPDATE search_meta SET value = ? WHERE key = 'indexed'", (last,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return int(last - mark)


def _secure_delete(db: sqlite3.Connection) -> None:
    """A deleted message's words out of the index's own pages at once, not only out of answers:
    FTS5's secure-delete (SQLite 3.42 and later). Before that a delete is a marker beside the old
    entry, both gone when FTS5 merges those segments (the content row is wiped at once either way,
    with the store's secure_delete pragma)."""
    if sqlite3.sqlite_version_info >= (3, 42, 0):
        db.execute("INSERT INTO search_index (search_index, rank) VALUES ('secure-delete', 1)")


def _split(script: str) -> list[str]:
    """The statements of a script (executescript would commit the transaction), triggers whole."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [statement for statement in statements if statement]


@dataclass(frozen=True, slots=True)
class SearchHit:
    room: str
    id: int
    sender: str
    timestamp: float
    text: str  # the whole stored text; snippet() cuts it


def match_expression(terms: list[Term]) -> str:
    """The FTS5 MATCH of every term, each in any of its forms."""
    # Our forms are letters and digits only, so quoting each one is the whole escaping needed.
    return " AND ".join("(" + " OR ".join(f'"{form}"' for form in term) + ")" for term in terms)


def search(
    db: sqlite3.Connection, terms: list[Term], rooms: list[str], offset: int, limit: int
) -> list[SearchHit]:
    """Up to `limit` messages of `rooms` holding every term (stems, as query_terms gives), newest
    first, from the `offset`th on."""
    if not rooms:
        return []
    match = match_expression(terms)
    placeholders = ",".join("?" * len(rooms))
    # CROSS JOIN keeps the index first: it yields matches newest first, so LIMIT stops it early.
    rows = db.execute(
        "SELECT m.room, m.id, m.sender, m.timestamp, m.text"
        " FROM search_index CROSS JOIN search_rows r ON r.seq = search_index.rowid"
        " CROSS JOIN messages m ON m.room = r.room AND m.id = r.id"
        f" WHERE search_index MATCH ? AND r.room IN ({placeholders})"
        " ORDER BY search_index.rowid DESC LIMIT ? OFFSET ?",
        (match, *rooms, limit, offset),
    ).fetchall()
    return [SearchHit(*row) for row in rows]


def _utf16_offsets(text: str) -> list[int] | None:
    """For each code point index of `text`, its UTF-16 code unit index (JavaScript's string
    index); None when they are the same (no character beyond the BMP, the usual case)."""
    if text.isascii() or max(text) <= "\uffff":
        return None
    offsets, at = [], 0
    for char in text:
        offsets.append(at)
        at += 2 if ord(char) > 0xFFFF else 1
    offsets.append(at)
    return offsets


def snippet(text: str, terms: list[Term]) -> tuple[str, list[list[int]]]:
    """A plain-text window of at most about SEARCH_SNIPPET_CHARS around the first match, and the
    matched words' [start, end) ranges in it (UTF-16 code units). An ellipsis marks a cut."""
    wanted = {form for term in terms for form in term}
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text) if not wanted.isdisjoint(_forms(m.group()))]
    start, end = 0, len(text)
    if len(text) > SEARCH_SNIPPET_CHARS:
        first = spans[0][0] if spans else 0
        start = max(0, first - SEARCH_SNIPPET_CHARS // 4)
        end = min(len(text), start + SEARCH_SNIPPET_CHARS)
        start = max(0, end - SEARCH_SNIPPET_CHARS)
        if start > 0:  # begin at a word, not inside one
            space = text.find(" ", start, first if spans else end)
            start = space + 1 if space >= 0 else start
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    window = text[start:end]
    units = _utf16_offsets(window)
    shift = len(prefix)
    marks: list[list[int]] = []
    for span_start, span_end in spans:
        if span_start >= start and span_end <= end:
            a, b = span_start - start, span_end - start
            if units is not None:
                a, b = units[a], units[b]
            marks.append([shift + a, shift + b])
    return prefix + window + suffix, marks


def hit_frame(hit: SearchHit, terms: list[Term]) -> SearchResult:
    text, marks = snippet(hit.text, terms)
    return {
        "room": hit.room,
        "id": hit.id,
        "sender": hit.sender,
        "timestamp": hit.timestamp,
        "text": text,
        "marks": marks,
    }
