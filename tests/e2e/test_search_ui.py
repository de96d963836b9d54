"""Search in Chromium between two people (two browser contexts: two computers), in both languages:
find a message just sent and one from long ago, and jump to it in its room."""

from __future__ import annotations

import pytest

from server.storage.sqlite_history import SqliteHistoryStore
from tests.support.browser import join_room, screenshot, send_message, wait_connected

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

OLD_ENGLISH = "The kangaroo budget was approved"
OLD_RUSSIAN = "Бюджет на самовары утверждён"
ARCHIVE_MESSAGES = 600  # far more than a joiner gets (100) and than one history page (200)


@pytest.fixture
def lanchat(serve_process, tmp_path):
    """A server whose room "archive" has a long history, its two oldest messages to be found."""
    store = SqliteHistoryStore(tmp_path / "data")
    store.append("archive", "Vera", OLD_ENGLISH)
    store.append("archive", "Глеб", OLD_RUSSIAN)
    for index in range(ARCHIVE_MESSAGES - 2):
        store.append("archive", "Dan", f"routine note {index}")
    store.close()
    return serve_process(data_dir=tmp_path / "data")


def _open_search(page, heading):
    """The header's Search button: the panel, checked to speak the page's language."""
    page.get_by_test_id("search-open").click()
    panel = page.get_by_test_id("search-panel")
    expect(panel.get_by_role("heading", name=heading)).to_be_visible()
    return panel


def _search(panel, words, button):
    panel.get_by_test_id("search-input").fill(words)
    panel.get_by_role("button", name=button, exact=True).click()
    return panel.get_by_test_id("search-result")


def _jumped_to(page, text):
    return page.locator('[data-testid="message"].jumped-to').filter(has_text=text)


def test_anna_finds_bobs_words_and_jumps_to_an_old_message_in_a_room_she_never_joined(lanchat, new_page):
    anna = new_page()
    bob = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    join_room(bob, lanchat.url, "Bob", "general")
    send_message(bob, "Where are the LIBRARY books?")
    expect(anna.get_by_test_id("message").filter(has_text="LIBRARY books")).to_be_visible()

    panel = _open_search(anna, "Search messages")
    result = _search(panel, "library book", "Search")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("general")
    expect(result).to_contain_text("Bob")
    assert result.locator("mark").all_inner_texts() == ["LIBRARY", "books"]
    screenshot(anna, "search-results-en")

    # A room she is not in, and a message 600 back: the room is joined and the message shown.
    _search(panel, "kangaroos", "Search")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text("kangaroo")
    result.click()
    wait_connected(anna)
    expect(anna.get_by_role("log", name="Messages in archive")).to_be_visible()
    expect(_jumped_to(anna, OLD_ENGLISH)).to_be_in_viewport()
    screenshot(anna, "search-jumped-en")
    assert anna.page_errors == [] and bob.page_errors == []


def _join_in_russian(page, url, name):
    page.goto(url)
    page.get_by_label("Имя").fill(name)
    page.get_by_label("Комната", exact=True).first.fill("общая")
    page.get_by_role("button", name="Войти", exact=True).first.click()
    wait_connected(page)


def test_search_speaks_russian_and_fits_a_narrow_window(lanchat, new_page):
    anya = new_page(locale="ru-RU", width=400, height=720)
    borya = new_page(locale="ru-RU")
    _join_in_russian(anya, lanchat.url, "Аня")
    _join_in_russian(borya, lanchat.url, "Боря")
    box = borya.get_by_label("Сообщение", exact=True)
    box.fill("Где лежат КНИГИ?")
    box.press("Enter")
    expect(anya.get_by_test_id("message").filter(has_text="Где лежат КНИГИ?")).to_be_visible()

    panel = _open_search(anya, "Поиск сообщений")
    result = _search(panel, "книгу", "Найти")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("Боря")
    expect(result.locator("mark")).to_have_text("КНИГИ")
    result = _search(panel, "Самовар БЮДЖЕТ", "Найти")
    expect(result).to_have_count(1)
    assert result.locator("mark").all_inner_texts() == ["Бюджет", "самовары"]
    box = panel.bounding_box()
    assert box is not None and box["width"] <= 400
    screenshot(anya, "search-results-ru-narrow")
    _search(panel, "слоны", "Найти")
    expect(panel.get_by_role("status")).to_have_text("Ничего не найдено.")

    _search(panel, "самовар", "Найти")
    result.click()
    wait_connected(anya)
    expect(_jumped_to(anya, OLD_RUSSIAN)).to_be_in_viewport()
    screenshot(anya, "search-jumped-ru-narrow")
    assert anya.page_errors == []
