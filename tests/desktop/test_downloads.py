"""desktop/downloads.py without a window: what the bridge refuses, and how a folder is shown."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from desktop.downloads import Downloads, show_in_file_manager


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://example.com/api/files/a/b",
        "http://127.0.0.1:8765/api/rooms/general/messages",
        "http://127.0.0.1:8765/",
        "http:///api/files/a/b",
    ],
)
def test_save_file_refuses_anything_but_a_hosts_file_before_asking_where(url):
    asked: list[str] = []
    downloads = Downloads(lambda name: asked.append(name) or "/tmp/never")
    with pytest.raises(ValueError, match="not a lanchat file address"):
        downloads.start(url, "x.bin")
    assert asked == []


def test_the_dialog_is_offered_the_bare_name_never_a_path():
    asked: list[str] = []
    downloads = Downloads(lambda name: asked.append(name) or None)
    assert downloads.start("http://127.0.0.1:1/api/files/a/b", "../../etc/passwd") is None
    assert downloads.start("http://127.0.0.1:1/api/files/a/b", "..") is None
    assert asked == ["passwd", "download"]


def test_show_in_folder_refuses_a_path_this_window_did_not_save(tmp_path):
    shown: list[Path] = []
    downloads = Downloads(lambda name: None, show=shown.append)
    with pytest.raises(ValueError, match="saved no file"):
        downloads.show_in_folder(str(tmp_path / "elsewhere.txt"))
    assert shown == []


def test_without_a_file_manager_on_d_bus_the_folder_opens_with_xdg_open(tmp_path):
    calls: list[list[str]] = []

    def run(command, **options):
        calls.append(command)
        if command[0] == "dbus-send":
            raise subprocess.CalledProcessError(1, command)

    show_in_file_manager(tmp_path / "a file.txt", run=run)
    assert calls[0][0] == "dbus-send"
    assert f"array:string:{(tmp_path / 'a file.txt').as_uri()}" in calls[0]
    assert calls[1] == ["xdg-open", str(tmp_path)]
