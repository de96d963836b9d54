"""The image viewer in Debian's Chromium against a real `lanchat serve`: two images sent to a room,
the first opened large, the next one reached with the arrow key (the counter follows), and Escape
gives focus back to the thumbnail; in a wide window and at a phone's width."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import join_room, keep_for_review, screenshot
from tests.support.images import png_bytes

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

REVIEW = Path("/work/shots/viewer")


@pytest.mark.parametrize(("width", "height"), [(1100, 760), (390, 760)])
def test_the_viewer_steps_to_the_next_image_with_the_arrow_key_and_escape_returns_focus(
    lanchat, new_page, tmp_path, width, height
):
    page = new_page(width=width, height=height)
    join_room(page, lanchat.url, "Anna", "photos")
    first = tmp_path / "first.png"
    first.write_bytes(png_bytes(800, 600))
    second = tmp_path / "second.png"
    second.write_bytes(png_bytes(300, 500))
    previews = page.get_by_test_id("image-preview")
    # One after the other, so that the timeline's order (and the viewer's) is known.
    for count, image in enumerate((first, second), start=1):
        page.get_by_test_id("attach-input").set_input_files(str(image))
        expect(previews).to_have_count(count, timeout=20_000)

    previews.first.click()
    viewer = page.get_by_role("dialog")
    expect(viewer.get_by_test_id("viewer-position")).to_have_text("1 / 2")
    expect(viewer.get_by_test_id("viewer-name")).to_have_text("first.png")
    expect(viewer.get_by_test_id("viewer-previous")).to_be_disabled()
    page.keyboard.press("ArrowRight")
    expect(viewer.get_by_test_id("viewer-position")).to_have_text("2 / 2")
    expect(viewer.get_by_test_id("viewer-name")).to_have_text("second.png")
    expect(viewer.get_by_test_id("viewer-next")).to_be_disabled()
    expect(viewer.locator("img")).to_have_js_property("naturalWidth", 300)
    expect(viewer.get_by_test_id("viewer-save")).to_have_text("Save")
    # Tab from the last control comes back round to the first, never into the page beneath.
    viewer.get_by_test_id("viewer-previous").focus()
    page.keyboard.press("Tab")
    expect(viewer.get_by_test_id("viewer-save")).to_be_focused()
    keep_for_review(screenshot(page, f"image-viewer-{width}"), REVIEW)

    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    expect(previews.first).to_be_focused()
    assert not page.page_errors
