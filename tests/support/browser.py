"""Driving lanchat in a browser: Chromium's launch flags and what a person does on a page.

Used by the e2e tests and by tests/bench/ui_render.py; the server process is
tests.support.server_process.ServeProcess (the `serve_process` fixture in tests/conftest.py).
"""

from __future__ import annotations

import os
from pathlib import Path

# Page screenshots come with the other page helpers, so a browser test imports one module.
from tests.support.screenshots import ARTIFACTS, keep_for_review, screenshot

ROOT = Path(__file__).resolve().parents[2]

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "ROOT",
    "UI_INDEX",
    "isolated",
    "join_room",
    "join_room_in_russian",
    "keep_for_review",
    "message",
    "message_texts",
    "open_actions",
    "screenshot",
    "send_message",
    "wait_connected",
]

UI_INDEX = ROOT / "ui" / "dist" / "index.html"
CHROMIUM = os.environ.get("LANCHAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def isolated(text: str) -> str:
    """A name as the UI puts it into a drawn plain-text string, a tooltip (ui/src/bidi.js)."""
    return f"\u2068{text}\u2069"


def join_room(page, url: str, name: str, room: str) -> None:
    """The first screen: type a name and a room, press Join, wait until the room shows."""
    page.goto(url)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Room", exact=True).first.fill(room)
    page.get_by_role("button", name="Join", exact=True).first.click()
    page.get_by_role("log").wait_for()
    wait_connected(page)


def join_room_in_russian(page, url: str, name: str, room: str) -> None:
    """The first screen in Russian: Имя, Комната, Войти."""
    page.goto(url)
    page.get_by_label("Имя").fill(name)
    page.get_by_label("Комната", exact=True).first.fill(room)
    page.get_by_role("button", name="Войти", exact=True).first.click()
    wait_connected(page)


def open_hosting(page) -> None:
    """In the window's sidebar, unfold "Hosting" (the host panel and the room password panel)."""
    toggle = page.get_by_test_id("hosting-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def wait_connected(page, timeout: float = 15_000) -> None:
    page.locator('[data-testid="connection-status"][data-status="connected"]').wait_for(timeout=timeout)


def send_message(page, text: str) -> None:
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def message(page, text: str):
    """The message whose own text has `text` (a reply's quote of it does not count)."""
    return page.get_by_test_id("message").filter(has=page.get_by_test_id("text").filter(has_text=text))


def open_actions(page, text: str):
    """Open that message's actions menu; the menu."""
    message(page, text).get_by_test_id("message-actions").click()
    return page.get_by_role("menu")


def message_texts(page) -> list[str]:
    return page.locator('[data-testid="message"] [data-testid="text"]').all_inner_texts()
