"""The window's first start at 1280x800 (Xvfb, no window manager): the Name field has the
keyboard as it does in a browser tab, and is the only one (Settings asks for no name yet), the
sidebar leads with Join, the host tools sit folded under "Hosting", and Settings is in sight
without scrolling. English and Russian."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.support.app_process import AppProcess, app_environment
from tests.support.screenshots import keep_for_review, screen_shot, virtual_screen
from tests.support.window import click, require_built_ui, wait_for_js

pytestmark = pytest.mark.window

TOGGLE = "document.querySelector('[data-testid=\"hosting-toggle\"]')"
SHOWN = "((selector) => Boolean(document.querySelector(selector)?.offsetParent))"
# Settings' heading lies wholly inside the sidebar's visible box, which has not been scrolled.
SETTINGS_IN_SIGHT = """(() => {
  const sidebar = document.querySelector('#app-sidebar').getBoundingClientRect()
  const heading = document.querySelector('[data-testid="settings-panel"] h2').getBoundingClientRect()
  return document.querySelector('#app-sidebar').scrollTop === 0 && heading.bottom <= sidebar.bottom
})()"""
# The sidebar's first control and heading, in reading order.
FIRST_IN_SIDEBAR = """(() => {
  const sidebar = document.querySelector('#app-sidebar')
  return [sidebar.querySelector('button').textContent.trim(), sidebar.querySelector('h2').textContent.trim()]
})()"""


# The name fields shown anywhere on the page (the Join form's and Settings' have this autocomplete).
NAME_FIELDS = """[...document.querySelectorAll('input[autocomplete="nickname"]')]
  .filter((field) => field.offsetParent).map((field) => field.id)"""
SHOTS = Path("/work/shots")


@pytest.mark.parametrize(
    ("language", "join_label", "rooms_heading", "hosting_label", "no_name_hint"),
    [
        (
            "en",
            "+ Join a room",
            "Your rooms",
            "Hosting",
            "You choose your name when you join your first room.",
        ),
        (
            "ru",
            "+ Войти в комнату",
            "Ваши комнаты",
            "Свой сервер",
            "Имя вы выберете, когда войдёте в первую комнату.",
        ),
    ],
)
def test_a_first_start_types_into_name_leads_with_join_and_folds_the_host_tools(
    tmp_path, language, join_label, rooms_heading, hosting_label, no_name_hint
):
    if shutil.which("Xvfb") is None or shutil.which("import") is None:
        pytest.fail("needs Xvfb and ImageMagick's import")
    require_built_ui()
    # A screen larger than the window: with no window manager, nothing keeps the window on screen.
    with virtual_screen(1600, 1000) as display:
        env = app_environment(tmp_path, DISPLAY=display)
        env.pop("QT_QPA_PLATFORM")
        app = AppProcess(tmp_path / "data", tmp_path / "config", env).start()
        try:
            app.command("resize", width=1280, height=800)
            # Nobody clicked into the window: the page still has the keyboard, in the Name field.
            wait_for_js(app, "document.hasFocus()")
            wait_for_js(app, "document.activeElement?.id === 'join-name'")
            if language == "ru":
                # Chosen again until it holds: the saved settings, read from the window as the page
                # starts, may arrive after the first choice and put the system's language back.
                wait_for_js(
                    app,
                    "(() => { if (document.documentElement.lang === 'ru') return true;"
                    " const s = document.querySelector('header select'); s.value = 'ru';"
                    " s.dispatchEvent(new Event('change')); return false })()",
                )
            wait_for_js(app, f"{TOGGLE} !== null")
            assert app.js(FIRST_IN_SIDEBAR) == [join_label, rooms_heading]
            assert app.js(f"{TOGGLE}.textContent.trim()") == f"▸{hosting_label}"
            assert app.js(f"{TOGGLE}.getAttribute('aria-expanded')") == "false"
            assert app.js(f"{SHOWN}('#host-port')") is False
            assert app.js(f"{SHOWN}('[data-testid=\"room-privacy\"]')") is False
            assert app.js(SETTINGS_IN_SIGHT) is True
            # One place to pick a name: the Join form's. Settings says so instead of a second
            # empty Name field.
            assert app.js(NAME_FIELDS) == ["join-name"]
            assert app.js(f"{SHOWN}('[data-testid=\"settings-no-name\"]')") is True
            assert no_name_hint in app.js(
                "document.querySelector('[data-testid=\"settings-no-name\"]').textContent"
            )
            time.sleep(0.5)  # the compositor-less X server draws its first frames
            keep_for_review(screen_shot(display, f"window-first-start-{language}"), SHOTS)

            click(app, '[data-testid="hosting-toggle"]')
            assert app.js(f"{TOGGLE}.getAttribute('aria-expanded')") == "true"
            wait_for_js(app, f"{SHOWN}('#host-port')")
            assert app.js(f"{SHOWN}('[data-testid=\"room-privacy\"]')") is True
            time.sleep(0.3)
            screen_shot(display, f"window-hosting-open-{language}")
            app.command("close")
            assert app.wait_exit(10) == 0
        finally:
            app.kill()
