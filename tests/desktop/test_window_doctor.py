"""The connection doctor and the join links' QR codes in the real window (Qt WebEngine).

The window's page comes from pywebview's own server, another origin than our server's: the
doctor's question crosses origins there (a CORS preflight for its header), unlike in a browser.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.support.app_process import AppProcess
from tests.support.ports import free_port
from tests.support.window import (
    open_hosting,
    server_fetch,
    wait_for_js,
)

pytestmark = pytest.mark.window
zxingcpp = pytest.importorskip("zxingcpp", reason="the Python package `zxing-cpp` is not installed")
Image = pytest.importorskip("PIL.Image", reason="the Python package `pillow` is not installed")
ImageDraw = pytest.importorskip("PIL.ImageDraw")

# Modules drawn this many pixels wide when the window's QR symbol is read back.
PIXELS_PER_MODULE = 8


def set_field(app: AppProcess, selector: str, value: str) -> None:
    assert app.js(
        f"""(() => {{
            const field = document.querySelector({json.dumps(selector)});
            if (!field) return false;
            field.value = {json.dumps(value)};
            field.dispatchEvent(new Event('input', {{ bubbles: true }}));
            return true;
        }})()"""
    ), selector


def test_in_the_window_a_join_by_address_that_is_refused_is_explained_beside_the_form(launch_app):
    app = launch_app()
    wait_for_js(app, "document.querySelector('#join-address')")
    port = free_port()
    set_field(app, "#join-name", "Anna")
    app.js("document.querySelector('details').open = true")
    set_field(app, "#join-address", f"127.0.0.1:{port}")
    set_field(app, "#join-remote-room", "general")
    app.js("document.querySelector('details form').requestSubmit()")
    what = wait_for_js(
        app, "document.querySelector('details [data-testid=\"doctor-what\"]')?.textContent", timeout=20
    )
    assert what == f"Checked from this computer: 127.0.0.1 is there, but nothing listens on port {port}."


def read_qr(path: str, side: int) -> list[str]:
    """Draw the window's QR modules (an SVG path of 1x1 squares) and decode them."""
    picture = Image.new("L", (side * PIXELS_PER_MODULE,) * 2, 255)
    draw = ImageDraw.Draw(picture)
    scale = PIXELS_PER_MODULE
    for x, y in ((int(x), int(y)) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", path)):
        draw.rectangle((x * scale, y * scale, (x + 1) * scale - 1, (y + 1) * scale - 1), fill=0)
    return [result.text for result in zxingcpp.read_barcodes(picture)]


def test_in_the_window_a_hosted_join_links_qr_code_reads_back_as_that_link(launch_app):
    app = launch_app()
    open_hosting(app)
    wait_for_js(app, "document.querySelector('#host-port')")
    port = free_port()
    set_field(app, "#host-port", str(port))
    app.js("document.querySelector('[data-testid=\"host-panel\"] form').requestSubmit()")
    try:
        wait_for_js(app, "document.querySelector('[data-testid=\"host-panel\"] button[aria-expanded]')")
        status = app.api("host_status")
        assert status["addresses"], "hosting shows at least one address"
        app.js("document.querySelector('[data-testid=\"host-panel\"] button[aria-expanded]').click()")
        svg = wait_for_js(
            app,
            """(() => {
                const svg = document.querySelector('[data-testid="join-link-qr"] svg');
                return svg && { url: svg.dataset.url, box: svg.getAttribute('viewBox'),
                                 path: svg.querySelector('path').getAttribute('d'),
                                 width: svg.getBoundingClientRect().width };
            })()""",
        )
        identity = app.js_async(server_fetch(app, "/api/identity"))
        assert svg["url"] == f"https://{status['addresses'][0]}:{port}/#fp={identity['fingerprint']}"
        assert svg["width"] > 100, "big enough for a phone's camera"
        side = int(svg["box"].split()[2])
        assert read_qr(svg["path"], side) == [svg["url"]]
    finally:
        app.api("stop_hosting")
