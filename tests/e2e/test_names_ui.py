"""A name someone else holds in a room: the UI asks for another (Chromium against `lanchat serve`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.browser import join_room, message_texts, screenshot, send_message, wait_connected

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/work/shots/names")


def keep(path: Path) -> None:
    """Also put the screenshot where people reviewing this change look, when that folder exists."""
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


def test_joining_under_a_name_someone_else_holds_asks_for_another_and_rejoins_under_it(lanchat, new_page):
    alice = new_page()
    join_room(alice, lanchat.url, "Alice", "general")
    send_message(alice, "I am the real Alice")
    expect(alice.get_by_test_id("message")).to_have_count(1)

    # Another browser profile: another identity, whatever name it types.
    other = new_page()
    join_room(other, lanchat.url, "alice", "general")
    prompt = other.get_by_test_id("name-taken")
    expect(prompt).to_contain_text("Someone else is using the name “alice” in this room.")
    expect(other.get_by_test_id("members")).not_to_contain_text("alice")
    keep(screenshot(other, "name-taken-prompt"))

    prompt.get_by_label("New name").fill("ALICE")
    prompt.get_by_role("button", name="Use this name").click()
    expect(prompt.get_by_role("alert")).to_contain_text("someone else is using")

    prompt.get_by_label("New name").fill("  Alicia ")
    prompt.get_by_role("button", name="Use this name").click()
    expect(prompt).to_be_hidden()
    wait_connected(other)
    expect(other.get_by_test_id("members")).to_contain_text("Alicia")
    send_message(other, "Hello, I am Alicia")
    expect(alice.get_by_test_id("message")).to_have_count(2)
    assert message_texts(alice) == ["I am the real Alice", "Hello, I am Alicia"]
    expect(alice.get_by_test_id("sender").last).to_have_text("Alicia")
    assert alice.page_errors == [] and other.page_errors == []


def test_the_name_taken_prompt_speaks_russian(lanchat, new_page):
    anya = new_page(locale="ru-RU")
    anya.goto(lanchat.url)
    anya.get_by_label("Имя").fill("Аня")
    anya.get_by_label("Комната", exact=True).first.fill("Общая")
    anya.get_by_role("button", name="Войти", exact=True).first.click()
    wait_connected(anya)

    other = new_page(locale="ru-RU")
    other.goto(lanchat.url)
    other.get_by_label("Имя").fill("АНЯ")
    other.get_by_label("Комната", exact=True).first.fill("Общая")
    other.get_by_role("button", name="Войти", exact=True).first.click()
    wait_connected(other)
    prompt = other.get_by_test_id("name-taken")
    expect(prompt).to_contain_text("Имя «АНЯ» в этой комнате уже занято другим человеком.")
    prompt.get_by_label("Новое имя").fill("Аня\u200b")
    prompt.get_by_role("button", name="Взять это имя").click()
    expect(prompt.get_by_role("alert")).to_contain_text("без невидимых символов")
    keep(screenshot(other, "name-taken-prompt-ru"))
