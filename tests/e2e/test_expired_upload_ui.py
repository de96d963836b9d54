"""After a reload, an upload cut off earlier is listed as "Not finished" only while the host still
keeps it: once the host's expiry for it has passed, the next reload neither lists it nor remembers
it. Debian's Chromium against a real `lanchat serve` whose uploads expire after two seconds."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import pytest

from tests.support.browser import join_room, join_room_in_russian, screenshot, wait_connected
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

STORED_URLS = (
    "Object.values(JSON.parse(localStorage.getItem('lanchat.uploads') ?? '{}')).map((u) => u.uploadUrl)"
)


@pytest.mark.parametrize(
    ("locale", "not_finished"),
    [("en-US", "Not finished"), ("ru-RU", "Не докачано")],  # noqa: RUF001,
)
def test_an_upload_past_the_hosts_expiry_no_longer_lists_as_not_finished_after_a_reload(
    serve_process, new_page, tmp_path, locale, not_finished
):
    lanchat = serve_process(extra_args=("--upload-expiry-seconds", "2"))
    page = new_page(locale=locale)
    enter = join_room_in_russian if locale == "ru-RU" else join_room
    enter(page, lanchat.url, "Анна" if locale == "ru-RU" else "Anna", "files")
    # The file's bytes never leave the browser: the upload exists on the host, and stays cut off.
    page.route(
        "**/api/uploads/**",
        lambda route: route.abort() if route.request.method == "PATCH" else route.continue_(),
    )
    big = tmp_path / "film.mkv"
    big.write_bytes(bytes(1024 * 1024))
    page.get_by_test_id("attach-input").set_input_files(str(big))
    (url,) = wait_for(lambda: page.evaluate(STORED_URLS), 20, "the upload's address kept by the page")
    page.unroute("**/api/uploads/**")

    page.reload()
    wait_connected(page)
    row = page.get_by_test_id("upload-interrupted")
    expect(row).to_contain_text("film.mkv")
    expect(row).to_contain_text(not_finished)
    screenshot(page, f"upload-not-finished-{locale}")

    # Wait until the host's own word on the upload is that its expiry has passed (or it is gone).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = page.request.head(url, headers={"Tus-Resumable": "1.0.0"})
        if answer.status == 404:
            break
        expires = parsedate_to_datetime(answer.headers["upload-expires"]).timestamp()
        if expires < time.time():
            break
        page.wait_for_timeout(250)
    else:
        pytest.fail("the host never let the upload expire")

    page.reload()
    wait_connected(page)
    wait_for(
        lambda: page.evaluate("localStorage.getItem('lanchat.uploads') === null"), 10, "the address forgotten"
    )
    expect(page.get_by_test_id("upload-interrupted")).to_have_count(0)
    expect(page.get_by_test_id("uploads")).to_have_count(0)
    screenshot(page, f"upload-expired-gone-{locale}")
    assert page.page_errors == []
