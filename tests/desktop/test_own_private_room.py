"""The host's own window enters its own private rooms without being asked for their password,
also after a restart (the host keeps only the password's hash; its bridge gives the page a pass)."""

from __future__ import annotations

import pytest

from tests.support.window import CONNECTED, UI_HELPERS, join_in_the_window, wait_connected, wait_for_js

pytestmark = pytest.mark.window

PROMPT = "document.querySelector('[data-testid=\"room-password\"]') !== null"


def test_the_host_window_stays_in_its_room_made_private_and_enters_it_after_a_restart(launch_app, tmp_path):
    data, config = tmp_path / "data", tmp_path / "config"
    first = launch_app(data_dir=data, config_dir=config)
    join_in_the_window(first, "Anna", "team")
    # Made private by the bridge alone: the page never saw the password.
    assert first.api("make_room_private", "team", "correct horse") == {"room": "team", "private": True}
    wait_for_js(first, f"({CONNECTED}) && document.querySelector('[data-testid=\"room-lock\"]') !== null")
    assert first.js(PROMPT) is False
    first.command("close")
    assert first.wait_exit(10) == 0

    second = launch_app(data_dir=data, config_dir=config)
    second.js(UI_HELPERS)
    # The page reopens the rooms it had: connected, or (before this was fixed) the password prompt.
    wait_for_js(second, f"({CONNECTED}) || ({PROMPT})")
    wait_connected(second)
    assert second.js(PROMPT) is False
    assert second.api("room_privacy", "team") == {"room": "team", "private": True}
