"""The host panel's QR codes in Chromium, read back by a real decoder (zxing-cpp) as a phone would.

The window's `window.pywebview.api` is replaced at that boundary (as in test_desktop_bridge_ui.py):
it reports hosting on the test server's own loopback address, so the link read from the picture
opens the real chat.
"""

from __future__ import annotations

import io

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import open_hosting, screenshot

pytestmark = pytest.mark.browser
zxingcpp = pytest.importorskip("zxingcpp", reason="the Python package `zxing-cpp` is not installed")
Image = pytest.importorskip("PIL.Image", reason="the Python package `pillow` is not installed")

FAKE_PYWEBVIEW = """
const hosting = { hosting: true, port: PORT, addresses: ['127.0.0.1', 'fd00::10'], error: null,
  suggested_port: null };
setTimeout(() => {
  window.pywebview = { api: {
    host_status: () => Promise.resolve(hosting),
    start_hosting: () => Promise.resolve(hosting),
    stop_hosting: () => Promise.resolve(hosting),
    get_settings: () => Promise.resolve({ name: 'Desk' }),
    save_settings: () => Promise.resolve(null),
    set_unread: () => Promise.resolve(null),
    notify: () => Promise.resolve(null),
  } };
  window.dispatchEvent(new Event('pywebviewready'));
}, 50);
"""


def decoded(element) -> list[str]:
    """What a QR decoder reads in the element's pixels, as on a phone's camera."""
    picture = Image.open(io.BytesIO(element.screenshot())).convert("L")
    return [result.text for result in zxingcpp.read_barcodes(picture)]


@pytest.mark.parametrize(
    ("locale", "show"),
    [("en-US", "Show a QR code of"), ("ru-RU", "Показать QR-код")],
)
def test_a_join_links_qr_code_reads_back_as_that_link_and_opens_the_chat(lanchat, new_page, locale, show):
    page = new_page(locale=locale)
    page.add_init_script(FAKE_PYWEBVIEW.replace("PORT", str(lanchat.port)))
    page.goto(lanchat.url)
    open_hosting(page)
    panel = page.get_by_test_id("host-panel")
    fingerprint = httpx.get(f"{lanchat.url.rstrip('/')}/api/identity").json()["fingerprint"]
    # What the network gets: https, with the host's whole fingerprint for a window to pin.
    link = f"https://127.0.0.1:{lanchat.port}/#fp={fingerprint}"
    panel.get_by_role("button", name=f"{show} {link}").click()
    qr = panel.get_by_test_id("join-link-qr").locator("svg")
    expect(qr).to_be_visible()
    assert decoded(qr) == [link]
    screenshot(page, f"host-panel-qr-{locale[:2]}")

    # Another link's code replaces it, and reads as that link.
    v6_link = f"https://[fd00::10]:{lanchat.port}/#fp={fingerprint}"
    panel.get_by_role("button", name=f"{show} {v6_link}").click()
    expect(panel.get_by_test_id("join-link-qr")).to_have_count(1)
    assert decoded(qr) == [v6_link]

    phone = new_page(width=400, height=760, accepted_certificate=True)
    phone.goto(link)
    expect(phone.get_by_label("Room", exact=True).first).to_be_visible()
