"""The window whose own server cannot start on its data folder (a file a power cut or a failing
disk left as random bytes): a screen that names the file, in the person's language, and a way out
that loses nothing."""

from __future__ import annotations

import pytest

from tests.support.window import click, join_in_the_window, require_built_ui, wait_for_js

pytestmark = pytest.mark.window

PROBLEM = "document.querySelector('[data-testid=startup-problem]')"
DAMAGE = bytes(range(256)) * 16


def damaged_data_folder(tmp_path, file_name: str):
    data = tmp_path / "app" / "data"
    (data / file_name).parent.mkdir(parents=True)
    (data / file_name).write_bytes(DAMAGE)
    return data


@pytest.mark.parametrize("damaged", ["history.sqlite3", "files/files.sqlite3"])
def test_a_damaged_database_is_named_and_moving_it_aside_starts_the_chat_keeping_it(
    launch_app, tmp_path, damaged
):
    require_built_ui()
    data = damaged_data_folder(tmp_path, damaged)
    app = launch_app(data_dir=data)
    wait_for_js(app, PROBLEM, timeout=30)
    said = app.js(f"{PROBLEM}.innerText")
    assert "lanchat could not start" in said and str(data / damaged) in said
    click(app, "[data-testid=startup-problem-move]")
    wait_for_js(app, f"!{PROBLEM} && document.readyState === 'complete'", timeout=30)
    join_in_the_window(app, "Ann", "after-the-crash")
    [kept] = (data / damaged).parent.glob(f"{(data / damaged).name}.damaged-*")
    assert kept.read_bytes() == DAMAGE  # nothing lost: a backup tool can still try it


def test_an_unreadable_private_rooms_file_is_named_in_russian_and_not_thrown_away(launch_app, tmp_path):
    require_built_ui()
    data = damaged_data_folder(tmp_path, "private-rooms.json")
    app = launch_app(data_dir=data, env={"LANG": "ru_RU.UTF-8", "LANGUAGE": "ru"})
    wait_for_js(app, PROBLEM, timeout=30)
    said = app.js(f"{PROBLEM}.innerText")
    assert "lanchat не удалось запустить" in said and "private-rooms.json" in said
    # Starting without it would open the rooms the host made private: no button offers that.
    assert not app.js("document.querySelector('[data-testid=startup-problem-move]')")
    assert app.js("!!document.querySelector('[data-testid=startup-problem-quit]')")
    assert (data / "private-rooms.json").read_bytes() == DAMAGE
