"""Files in the real window: a file dropped onto the room goes up to the window's own host, comes
back as a file card, and "Save as..." writes the same bytes where the (stand-in) save dialog
said; "Show in folder" asks the (stand-in) file manager on D-Bus to show it."""

from __future__ import annotations

import time

import pytest

from desktop.page_storage import STORAGE_FILE
from tests.support.window import (
    UI_HELPERS,
    click,
    join_in_the_window,
    require_built_ui,
    wait_connected,
    wait_for_js,
)

pytestmark = pytest.mark.window

SIZE = 2 * 1024 * 1024 + 3  # more than one piece of the hash and of the download


def expected_bytes() -> bytes:
    return bytes((index * 7 + 3) & 0xFF for index in range(SIZE))


# A drop as the OS delivers it, with a file the page builds (a hand would drag one from a folder).
DROP_FILE = f"""
(() => {{
  const bytes = new Uint8Array({SIZE});
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 0xff;
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], 'отчёт.bin', {{ type: 'application/octet-stream' }}));
  const zone = document.querySelector('[data-testid="drop-zone"]');
  zone.dispatchEvent(new DragEvent('dragenter', {{ bubbles: true, dataTransfer: transfer }}));
  zone.dispatchEvent(new DragEvent('drop', {{ bubbles: true, cancelable: true, dataTransfer: transfer }}));
  return true;
}})()
"""


def test_a_file_dropped_in_the_window_is_saved_as_the_same_bytes_and_shown_in_its_folder(
    launch_app, session_bus, file_manager, tmp_path
):
    require_built_ui()
    app = launch_app(env={"DBUS_SESSION_BUS_ADDRESS": session_bus})
    join_in_the_window(app, "Anna", "files")

    assert app.js(DROP_FILE)
    wait_for_js(app, "document.querySelector('[data-testid=\"file-card\"]') !== null", timeout=30)
    assert app.js("document.querySelector('[data-testid=\"file-name\"]').textContent") == "отчёт.bin"
    # In the window a file is saved with the system's dialog, not the browser's downloads.
    assert app.js("document.querySelector('[data-testid=\"download\"]')") is None

    target = tmp_path / "saved" / "отчёт.bin"
    target.parent.mkdir()
    app.command("save_dialog", path=str(target))
    click(app, '[data-testid="save-as"]')
    wait_for_js(app, "document.querySelector('[data-testid=\"download-done\"]') !== null", timeout=30)
    [offer] = app.command("save_dialog_offers")
    assert (offer["type"], offer["name"]) == (30, "отчёт.bin")
    assert target.read_bytes() == expected_bytes()
    assert not target.with_name("отчёт.bin.part").exists()
    done_text = app.js("document.querySelector('[data-testid=\"download-done\"]').textContent")
    assert str(target) in done_text

    click(app, '[data-testid="show-in-folder"]')
    deadline = time.monotonic() + 10
    while not file_manager.shown and time.monotonic() < deadline:
        time.sleep(0.05)
    assert file_manager.shown == [[target.as_uri()]]


def test_a_cancelled_save_dialog_saves_nothing_and_it_opened_in_the_downloads_folder(launch_app, tmp_path):
    require_built_ui()
    downloads = tmp_path / "Загрузки"
    downloads.mkdir()
    app = launch_app(env={"XDG_DOWNLOAD_DIR": str(downloads)})
    app.command("save_dialog", path=None)
    url = f"http://127.0.0.1:{app.port}/api/files/none/x.bin"
    assert app.api("save_file", url, "x.bin", "") is None
    # The person's Downloads folder, not the folder lanchat happened to be started in.
    assert app.command("save_dialog_offers") == [{"type": 30, "name": "x.bin", "folder": str(downloads)}]


BIG = 256 * 1024 * 1024
# The same file both times (name, type, size, date: what tus knows a file by), as a person
# picking it again from the same folder gives.
DROP_BIG = f"""
(() => {{
  const file = new File([new Uint8Array({BIG})], 'big.bin',
    {{ type: 'application/octet-stream', lastModified: 1700000000000 }});
  const transfer = new DataTransfer();
  transfer.items.add(file);
  const zone = document.querySelector('[data-testid="drop-zone"]');
  zone.dispatchEvent(new DragEvent('drop', {{ bubbles: true, cancelable: true, dataTransfer: transfer }}));
  return true;
}})()
"""


def _part_files(data_dir):
    return list((data_dir / "files" / "partial").glob("*"))


def _resume_kept(data_dir):
    # The page keeps the upload's address through the bridge, a moment after tus created it: a
    # crash before that loses the resume (as in any app), so the window dies only after it.
    kept = data_dir / STORAGE_FILE
    return kept.is_file() and "lanchat.uploads" in kept.read_text(encoding="utf-8", errors="replace")


def test_an_upload_cut_by_the_window_crashing_continues_after_the_app_restarts(launch_app, tmp_path):
    require_built_ui()
    data, config = tmp_path / "data", tmp_path / "config"
    first = launch_app(data_dir=data, config_dir=config)
    join_in_the_window(first, "Anna", "files")
    wait_for_js(first, "(localStorage.getItem('lanchat.rooms') || '').includes('files')", timeout=15)
    assert first.js(DROP_BIG)
    # The upload exists once its first bytes are on the host's disk; the window dies then.
    deadline = time.monotonic() + 60
    while not (_part_files(data) and _part_files(data)[0].stat().st_size > 0 and _resume_kept(data)):
        assert time.monotonic() < deadline, "the upload never started, or its address was never kept"
        time.sleep(0.01)
    first.kill()
    parts = _part_files(data)
    assert len(parts) == 1 and 0 < parts[0].stat().st_size < BIG, "cut too late: the upload finished"
    kept = parts[0].stat().st_size

    second = launch_app(data_dir=data, config_dir=config)
    second.js(UI_HELPERS)
    wait_connected(second, 45)  # a second Qt WebEngine start, on a machine that may be busy
    wait_for_js(
        second,
        "document.querySelector('[data-testid=\"upload-interrupted\"]')?.textContent.includes('big.bin')",
        timeout=15,
    )
    assert _part_files(data)[0].stat().st_size == kept
    assert second.js(DROP_BIG)
    wait_for_js(second, "document.querySelector('[data-testid=\"file-card\"]') !== null", timeout=60)
    assert second.js("document.querySelector('[data-testid=\"upload-interrupted\"]')") is None
    assert _part_files(data) == []
