"""A private room in the browser: the join screen shows its lock and the room asks for its password
(Chromium against `lanchat serve --private-room`), in English and in Russian."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.browser import message_texts, screenshot, send_message, wait_connected

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/work/shots/private")
PASSWORD = "correct horse"


def keep(path: Path) -> None:
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


@pytest.fixture
def private_lanchat(serve_process, tmp_path, lanchat):
    lanchat.stop()  # the plain one: this test needs the flag
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    return serve_process(extra_args=("--private-room", f"team={secret}"))


def test_a_private_room_shows_a_lock_asks_for_its_password_and_keeps_it_across_a_reload(
    private_lanchat, new_page
):
    page = new_page()
    page.goto(private_lanchat.url)
    expect(page.get_by_test_id("room-private")).to_contain_text("private")
    page.get_by_label("Name").fill("Alice")
    page.get_by_label("Room", exact=True).first.fill("team")
    page.get_by_role("button", name="Join", exact=True).first.click()

    prompt = page.get_by_test_id("room-password")
    expect(prompt).to_contain_text("Room “team” is private. Enter its password.")
    keep(screenshot(page, "private-room-prompt"))
    prompt.get_by_label("Room password").fill("wrong guess")
    prompt.get_by_role("button", name="Enter room").click()
    expect(page.get_by_test_id("room-password-why")).to_contain_text("That password is wrong.")
    keep(screenshot(page, "private-room-wrong"))

    page.get_by_test_id("room-password").get_by_label("Room password").fill(PASSWORD)
    page.get_by_test_id("room-password").get_by_role("button", name="Enter room").click()
    page.get_by_role("log").wait_for()
    wait_connected(page)
    expect(page.get_by_test_id("room-lock")).to_be_visible()
    send_message(page, "only for the team")
    expect(page.get_by_test_id("message")).to_have_count(1)

    page.reload()  # the tab keeps the accepted password: no prompt again
    wait_connected(page)
    expect(page.get_by_test_id("room-password")).to_have_count(0)
    expect(page.get_by_test_id("message")).to_have_count(1)
    assert message_texts(page) == ["only for the team"]
    assert page.page_errors == []


def test_the_password_prompt_speaks_russian(private_lanchat, new_page):
    page = new_page(locale="ru-RU")
    page.goto(private_lanchat.url)
    expect(page.get_by_test_id("room-private")).to_contain_text("закрытая")
    page.get_by_label("Имя").fill("Аня")
    page.get_by_label("Комната", exact=True).first.fill("team")
    page.get_by_role("button", name="Войти", exact=True).first.click()
    prompt = page.get_by_test_id("room-password")
    expect(prompt).to_contain_text("Комната «team» закрытая. Введите её пароль.")
    prompt.get_by_label("Пароль комнаты").fill("не тот")
    prompt.get_by_role("button", name="Войти").click()
    expect(page.get_by_test_id("room-password-why")).to_contain_text("Пароль неверный.")
    keep(screenshot(page, "private-room-prompt-ru"))
