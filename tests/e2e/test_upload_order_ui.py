"""Several files attached together reach the room in the order the person chose them, in Debian's
Chromium against a real `lanchat serve`: the first file's bytes are held back in the browser until
the others are on the host, and they wait for it (saying so) instead of going out first."""

from __future__ import annotations

import pytest

from tests.support.browser import join_room, join_room_in_russian, screenshot

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

BIG = 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("locale", "waiting"),
    [
        ("en-US", "Sent. It goes out after the files chosen before it."),
        ("ru-RU", "Отправлен. Появится в чате после файлов, выбранных перед ним."),
    ],
)
def test_files_chosen_together_post_in_the_order_chosen_when_the_first_finishes_last(
    lanchat, new_page, tmp_path, locale, waiting
):
    anna = new_page(locale=locale)
    bob = new_page()
    if locale == "ru-RU":
        join_room_in_russian(anna, lanchat.url, "Анна", "order")
    else:
        join_room(anna, lanchat.url, "Anna", "order")
    join_room(bob, lanchat.url, "Bob", "order")
    chosen = [tmp_path / "1 big.bin", tmp_path / "2 notes.txt", tmp_path / "3 list.txt"]
    chosen[0].write_bytes(bytes(BIG))
    chosen[1].write_text("second\n", encoding="utf-8")
    chosen[2].write_text("third\n", encoding="utf-8")

    # The big file's bytes wait in the browser until the small ones are on the host.
    held = []

    def hold_big_file(route):
        request = route.request
        if request.method == "PATCH" and len(request.post_data_buffer or b"") == BIG:
            held.append(route)
        else:
            route.continue_()

    anna.route("**/api/uploads/**", hold_big_file)
    anna.get_by_test_id("attach-input").set_input_files([str(path) for path in chosen])
    rows = anna.get_by_test_id("upload")
    expect(rows.nth(1)).to_have_attribute("data-state", "uploaded", timeout=20_000)
    expect(rows.nth(2)).to_have_attribute("data-state", "uploaded")
    expect(rows.nth(1).get_by_test_id("upload-status")).to_have_text(waiting)
    assert len(held) == 1
    screenshot(anna, f"upload-order-waiting-{locale}")
    expect(bob.get_by_test_id("file-card")).to_have_count(0)

    held[0].continue_()
    names = bob.get_by_test_id("file-card").get_by_test_id("file-name")
    expect(names).to_have_text(["1 big.bin", "2 notes.txt", "3 list.txt"], timeout=20_000)
    expect(anna.get_by_test_id("uploads")).to_have_count(0)
    expect(anna.get_by_test_id("file-card").get_by_test_id("file-name")).to_have_text(
        ["1 big.bin", "2 notes.txt", "3 list.txt"]
    )
    screenshot(anna, f"upload-order-posted-{locale}")
    assert not anna.page_errors and not bob.page_errors
