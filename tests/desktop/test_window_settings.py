"""The Settings panel in the real window: a rename is kept by the window (settings.json and the page's
stored items) and is still the name, with earlier messages still ours, after a restart."""

from __future__ import annotations

import json

import pytest

from tests.support.app_process import REPO_ROOT
from tests.support.waiting import wait_for
from tests.support.window import (
    UI_HELPERS,
    join_in_the_window,
    wait_for_js,
)

pytestmark = pytest.mark.window

OWN_MESSAGES = "[...document.querySelectorAll('[data-testid=\"message\"].own')].map((m) => m.textContent)"


def send_in_the_window(app, text: str) -> None:
    wait_for_js(app, f"window.__ui.type('Message', {json.dumps(text)})", timeout=15)
    wait_for_js(app, "window.__ui.click('Send')")
    wait_for_js(app, f"{OWN_MESSAGES}.some((text) => text.includes({json.dumps(text)}))")


def test_a_rename_in_the_window_is_kept_across_a_restart_and_earlier_messages_stay_ours(launch_app, tmp_path):
    if not (REPO_ROOT / "ui" / "dist" / "index.html").is_file():
        pytest.fail("the Vue UI is not built (ui/dist): run make ui")
    data, config = tmp_path / "data", tmp_path / "config"
    first = launch_app(data_dir=data, config_dir=config)
    join_in_the_window(first, "Anna", "general")
    send_in_the_window(first, "written as Anna")
    assert first.js("window.__ui.type('Others see you as', 'Anya')")
    assert first.js("window.__ui.click('Rename')")
    wait_for(lambda: json.loads((config / "settings.json").read_text(encoding="utf-8"))["name"] == "Anya", 5)
    send_in_the_window(first, "written as Anya")
    # The page mirrors its items to the window one write after another, behind the draft's.
    wait_for(lambda: "lanchat.formerNames" in first.api("storage_items"), 15)
    assert json.loads(first.api("storage_items")["lanchat.formerNames"]) == ["Anna"]
    first.command("close")
    # How fast a window exits is test_window.py's; here only that it does (a busy machine).
    assert first.wait_exit(30) == 0

    second = launch_app(data_dir=data, config_dir=config)
    second.js(UI_HELPERS)
    wait_for_js(second, "document.querySelector('#settings-name')?.value === 'Anya'", timeout=15)
    wait_for_js(second, f"{OWN_MESSAGES}.length === 2", timeout=15)
    members = second.js(
        "[...document.querySelectorAll('[data-testid=\"members\"] .name')].map((n) => n.textContent)"
    )
    assert members == ["Anya"]


def test_read_receipts_switched_off_in_the_window_stay_off_across_a_restart(launch_app, tmp_path):
    data, config = tmp_path / "data", tmp_path / "config"
    first = launch_app(data_dir=data, config_dir=config)
    join_in_the_window(first, "Anna", "general")
    toggle = "document.querySelector('[data-testid=\"receipts-toggle\"]')"
    wait_for_js(first, f"{toggle}?.checked === true", timeout=15)
    assert first.js(f"{toggle}.click(), true")
    wait_for(
        lambda: json.loads((config / "settings.json").read_text(encoding="utf-8"))["receipts"] is False, 5
    )
    first.command("close")
    # How fast a window exits is test_window.py's; here only that it does (a busy machine).
    assert first.wait_exit(30) == 0

    second = launch_app(data_dir=data, config_dir=config)
    wait_for_js(second, f"{toggle}?.checked === false", timeout=15)
    second.command("close")
    assert second.wait_exit(30) == 0
