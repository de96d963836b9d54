"""At 400 px a long room name takes the header's first row and shows whole, in Russian too."""

from __future__ import annotations

import pytest

from tests.support.browser import join_room, screenshot

pytestmark = pytest.mark.browser

LONG_RUSSIAN_ROOM = "Обсуждение квартального отчёта отдела продаж"


def test_a_long_russian_room_name_shows_whole_in_the_header_of_a_narrow_window(lanchat, new_page):
    page = new_page(width=400, height=760)
    join_room(page, lanchat.url, "Anna", LONG_RUSSIAN_ROOM)
    page.get_by_label("Language").select_option("ru")
    heading = page.get_by_role("heading", name=LONG_RUSSIAN_ROOM)

    cut = heading.evaluate("el => el.scrollHeight > el.clientHeight || el.scrollWidth > el.clientWidth")
    assert not cut, "the room name is cut"
    box = heading.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 400
    screenshot(page, "narrow-header-long-russian-room")


def test_a_short_room_name_keeps_the_badge_beside_it_in_a_narrow_window(lanchat, new_page):
    page = new_page(width=400, height=760)
    join_room(page, lanchat.url, "Anna", "general")
    heading = page.get_by_role("heading", name="general")
    badge = page.get_by_test_id("connection-status")

    heading_box, badge_box = heading.bounding_box(), badge.bounding_box()
    assert heading_box is not None and badge_box is not None
    assert badge_box["y"] < heading_box["y"] + heading_box["height"], "the badge sits on the name's row"
    screenshot(page, "narrow-header-short-room")
