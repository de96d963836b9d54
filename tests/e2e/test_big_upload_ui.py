"""A 1 GiB upload from Debian's Chromium survives the host restarting and the page reloading.

One test, run once: the file is made sparse in a second (its bytes are zeros; the host still
receives, writes and hashes every one of them). Each PATCH that tus-js-client sends says where it
starts (`Upload-Offset`): after each cut it starts where the host's part file ended, never at 0,
and the host stores the file under the SHA-256 the browser computed.
"""

from __future__ import annotations

import hashlib
import signal
import time
from pathlib import Path

import pytest

from tests.support.browser import join_room, wait_connected

pytestmark = pytest.mark.browser

SIZE = 1024**3
CUT_AT = (SIZE // 5, SIZE // 2)  # the host restarts past the first, the page reloads past the second


def _zeros_sha256(size: int) -> str:
    digest = hashlib.sha256()
    block = bytes(8 * 1024 * 1024)
    for _ in range(size // len(block)):
        digest.update(block)
    digest.update(bytes(size % len(block)))
    return digest.hexdigest()


def _part_size(data_dir: Path) -> int:
    parts = list((data_dir / "files" / "partial").glob("*"))
    return parts[0].stat().st_size if parts else 0


def _wait_part_past(data_dir: Path, size: int, timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = _part_size(data_dir)
        if now >= size:
            return now
        time.sleep(0.05)
    raise AssertionError(f"the host's part file did not reach {size} bytes (at {_part_size(data_dir)})")


def test_a_1_gib_upload_cut_by_a_host_restart_and_a_reload_sends_only_the_rest(
    serve_process, new_page, tmp_path
):
    data_dir = tmp_path / "data"
    lanchat = serve_process(data_dir=data_dir)
    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(SIZE)
    page = new_page()
    page.set_default_timeout(60_000)
    offsets: list[int] = []
    patched_at: list[float] = []

    def on_request(request) -> None:
        if request.method == "PATCH":
            offsets.append(int(request.headers["upload-offset"]))
            patched_at.append(time.monotonic())

    page.on("request", on_request)
    join_room(page, lanchat.url, "Anna", "big")

    started = time.monotonic()
    page.get_by_test_id("attach-input").set_input_files(str(big))
    _wait_part_past(data_dir, CUT_AT[0])
    lanchat.stop(signal.SIGKILL)  # every connection drops at once, as when the host's laptop sleeps
    kept_at_restart = _part_size(data_dir)
    lanchat.start()
    _wait_part_past(data_dir, CUT_AT[1])
    page.reload()
    wait_connected(page)
    kept_at_reload = _part_size(data_dir)
    # A page cannot reopen a file by itself: it says what was cut off, the person picks it again.
    cut = page.get_by_test_id("upload-interrupted")
    cut.get_by_text("big.bin").wait_for()
    page.get_by_test_id("attach-input").set_input_files(str(big))
    cut.wait_for(state="detached")
    page.get_by_test_id("upload").wait_for(state="detached", timeout=120_000)
    elapsed = time.monotonic() - started

    expected = _zeros_sha256(SIZE)
    stored = data_dir / "files" / "sha256" / expected[:2] / expected[2:]
    assert stored.stat().st_size == SIZE
    assert list((data_dir / "files" / "partial").iterdir()) == []
    # The first PATCH from 0, then one from the host's offset after each cut (a retry that
    # found the host still down sends none), never from 0 again.
    assert offsets[0] == 0
    assert all(offset > 0 for offset in offsets[1:]), offsets
    assert offsets == sorted(offsets), offsets
    assert any(kept_at_restart <= offset <= CUT_AT[1] for offset in offsets[1:]), offsets
    assert offsets[-1] >= kept_at_reload, offsets
    print(
        f"1 GiB upload with a host restart and a reload: {elapsed:.1f} s in all, hashed in the page"
        f" in {patched_at[0] - started:.1f} s; PATCH offsets {offsets}"
    )
