"""Joining another host from the real window: through the pinned gateway, by link and by address,
with the host's safety code shown, and the hard stop when the host's identity changes (both
languages). The other host is a real `lanchat serve` on loopback, reached over TLS."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import pytest

from server.tls.contexts import client_context
from tests.support.ports import free_port
from tests.support.screenshots import keep_for_review, screen_shot, virtual_screen
from tests.support.window import UI_HELPERS, require_built_ui, wait_connected, wait_for_js

pytestmark = pytest.mark.window

SHOTS = Path(os.environ.get("LANCHAT_SHOTS", "/tmp/shots/gateway"))


def identity_of(host) -> dict:
    response = httpx.get(f"https://{host.host}/api/identity", verify=client_context(), timeout=20)
    return response.json()


def by_testid(name: str) -> str:
    return f"document.querySelector('[data-testid=\"{name}\"]')"


def shot(app, display: str, name: str) -> None:
    """The screen once the page has painted what it shows now (two frames: the change is laid out,
    then drawn), plus a moment for the X server to take the window's picture."""
    app.js_async("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")
    time.sleep(0.5)
    keep_for_review(screen_shot(display, name), SHOTS)


def set_language(app, code: str) -> None:
    app.js(
        "(() => { const s = document.querySelector('header select');"
        f" s.value = {json.dumps(code)}; s.dispatchEvent(new Event('change')); return true }})()"
    )


def type_into(app, selector: str, value: str) -> None:
    assert app.js(
        f"(() => {{ const f = document.querySelector({json.dumps(selector)}); if (!f) return false;"
        f" f.value = {json.dumps(value)}; f.dispatchEvent(new Event('input', {{bubbles: true}}));"
        " return true })()"
    )


def test_the_window_joins_another_host_by_link_and_address_and_stops_when_its_identity_changes(
    launch_app, serve_process, tmp_path
):
    require_built_ui()
    SHOTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    host = serve_process(port=port, data_dir=tmp_path / "host")
    identity = identity_of(host)
    link = f"https://{host.host}/#fp={identity['fingerprint']}&room=kitchen"

    with virtual_screen(1100, 760) as display:
        app = launch_app(env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"})
        app.js(UI_HELPERS)
        wait_for_js(app, "window.__ui.type('Name', 'Anna')")

        # By link: pasted into the Room field, pinned to the link's fingerprint from the first byte.
        assert app.js(f"window.__ui.type('Room', {json.dumps(link)})")
        wait_for_js(app, f"window.__ui.click('Join kitchen on {host.host}')")
        wait_connected(app)
        wait_for_js(app, f"{by_testid('host-safety-toggle')}?.textContent.trim() === 'Not verified'")
        app.js(f"{by_testid('host-safety-toggle')}.click()")
        code = wait_for_js(app, f"{by_testid('host-safety-code')}?.textContent.trim()")
        assert code == identity["safety_code"]
        # Every request of the page for that host went to the window's loopback gateway.
        socket_urls = app.js("performance.getEntriesByType('resource').map((e) => e.name).join(' ')")
        assert f"//{host.host}/" not in socket_urls
        shot(app, display, "gateway-joined-by-link-en")

        # By address, in the form for another computer: the same host, already trusted.
        app.js(f"{by_testid('host-safety-verified')}.click()")
        wait_for_js(app, f"{by_testid('host-safety-toggle')}?.textContent.trim() === 'Verified'")
        app.js("document.querySelector('button.join-another').click()")
        wait_for_js(app, "document.querySelector('#join-address') !== null")
        app.js("document.querySelector('details.section').open = true")
        type_into(app, "#join-address", host.host)
        type_into(app, "#join-remote-room", "lobby")
        app.js("document.querySelector('#join-address').form.requestSubmit()")
        wait_for_js(app, "document.querySelector('h1')?.textContent.trim() === 'lobby'")
        wait_connected(app)

        # The host comes back with another identity on the same address: the window stops.
        host.stop()
        impostor = serve_process(port=port, data_dir=tmp_path / "impostor")
        new_code = identity_of(impostor)["safety_code"]
        wait_for_js(app, f"{by_testid('host-identity-stop')} !== null", timeout=60)
        assert app.js(f"{by_testid('host-identity-old-code')}.textContent.trim()") == code
        assert app.js(f"{by_testid('host-identity-new-code')}.textContent.trim()") == new_code
        assert "This host's identity has changed" in app.js(f"{by_testid('host-identity-stop')}.innerText")
        shot(app, display, "gateway-identity-changed-en")
        set_language(app, "ru")
        russian = "Подлинность хоста изменилась"
        wait_for_js(app, f"{by_testid('host-identity-stop')}.innerText.includes('{russian}')")
        shot(app, display, "gateway-identity-changed-ru")
        # Nothing reached the impostor: no room was made there.
        assert httpx.get(f"http://{impostor.host}/api/rooms", timeout=10).json()["rooms"] == []

        # Set aside, the stop does not come back on each refused reconnect; the room says why it
        # waits, and opens the stop again.
        app.js(f"{by_testid('host-identity-close')}.click()")
        wait_for_js(app, f"{by_testid('host-safety-changed')} !== null")
        shot(app, display, "gateway-identity-changed-set-aside-ru")
        assert app.js(f"{by_testid('host-identity-stop')} === null")
        app.js(f"{by_testid('host-safety-changed')}.click()")
        wait_for_js(app, f"{by_testid('host-identity-stop')} !== null")

        # Trusting it takes the new code typed; then the rooms reconnect through the gateway.
        assert app.js(f"{by_testid('host-identity-trust')}.disabled")
        type_into(app, "[data-testid='host-identity-typed']", new_code)
        app.js(f"{by_testid('host-identity-trust')}.click()")
        wait_for_js(app, f"{by_testid('host-identity-stop')} === null")
        # The shown room goes on at once, not after its reconnect backoff.
        wait_for_js(app, "document.querySelector('header [data-status=\"connected\"]') !== null", timeout=60)
        wait_for_js(app, f"{by_testid('host-safety-toggle')}?.textContent.trim() === 'Проверен'")
        app.js(f"{by_testid('host-safety-toggle')}.click()")
        assert wait_for_js(app, f"{by_testid('host-safety-code')}?.textContent.trim()") == new_code
        shot(app, display, "gateway-trusted-again-ru")


def test_the_hosting_section_shows_this_hosts_code_links_with_its_fingerprint_and_makes_a_new_one_beside_it(
    launch_app,
):
    require_built_ui()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with virtual_screen(1100, 900) as display:
        app = launch_app(env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"})
        app.js(UI_HELPERS)
        wait_for_js(app, f"{by_testid('host-panel')} !== null", timeout=60)
        # The control sits in the Hosting section, under this host's code, and no longer in Settings.
        app.js(f"{by_testid('hosting-toggle')}.click()")
        wait_for_js(
            app,
            f"{by_testid('hosting-section')}.querySelector("
            '\'[data-testid="own-safety-code"] [data-testid="new-host-identity-ask"]\') !== null',
        )
        controls = "document.querySelectorAll('[data-testid=\"new-host-identity\"]')"
        assert app.js(f"{controls}.length") == 1
        assert app.js(f"{by_testid('settings-panel')}.contains({controls}[0])") is False
        ask = f"{by_testid('new-host-identity-ask')}.textContent.trim()"
        assert app.js(ask) == "Make a new host identity"
        shot(app, display, "hosting-section-new-identity-en")
        set_language(app, "ru")
        wait_for_js(app, f"{ask} === 'Создать новую подлинность хоста'")
        shot(app, display, "hosting-section-new-identity-ru")
        set_language(app, "en")
        type_into(app, "#host-port", str(free_port("0.0.0.0")))
        assert app.js("window.__ui.click('Host')")
        own = f"http://127.0.0.1:{app.port}/api/identity"
        code = wait_for_js(app, f"{by_testid('own-safety-code')}?.querySelector('.code').textContent.trim()")
        identity = httpx.get(own, timeout=10).json()
        assert code == identity["safety_code"]
        copy = app.js(f"{by_testid('host-panel')}.querySelector('button.copy').getAttribute('aria-label')")
        assert copy.startswith("Copy https://") and copy.endswith(f"/#fp={identity['fingerprint']}")
        shot(app, display, "gateway-host-panel-code-en")

        set_language(app, "ru")
        app.js(f"{by_testid('new-host-identity-ask')}.click()")
        wait_for_js(app, f"{by_testid('new-host-identity-confirm')} !== null")
        app.js(f"{by_testid('new-host-identity')}.scrollIntoView({{block: 'center'}})")
        shot(app, display, "gateway-new-identity-warning-ru")
        app.js(f"{by_testid('new-host-identity-confirm')}.click()")
        wait_for_js(app, f"{by_testid('new-host-identity-done')} !== null")
        renewed = httpx.get(own, timeout=10).json()
        assert renewed["safety_code"] != code
        wait_for_js(
            app,
            f"{by_testid('own-safety-code')}.querySelector('.code').textContent.trim()"
            f" === {json.dumps(renewed['safety_code'])}",
        )
        shot(app, display, "gateway-new-identity-done-ru")
        app.api("stop_hosting")


def test_a_join_link_naming_another_key_stops_at_first_contact_with_the_links_code_so_named(
    launch_app, serve_process, tmp_path
):
    from server.tls.safety_code import fingerprint_in_link, safety_code
    from tests.support.tls_hosts import identity_in

    require_built_ui()
    SHOTS.mkdir(parents=True, exist_ok=True)
    host = serve_process(data_dir=tmp_path / "host")
    named = identity_in(tmp_path / "the-key-the-link-names").fingerprint
    link = f"https://{host.host}/#fp={fingerprint_in_link(named)}&room=kitchen"

    with virtual_screen(1100, 760) as display:
        app = launch_app(env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"})
        app.js(UI_HELPERS)
        wait_for_js(app, "window.__ui.type('Name', 'Anna')")
        assert app.js(f"window.__ui.type('Room', {json.dumps(link)})")
        wait_for_js(app, f"window.__ui.click('Join kitchen on {host.host}')")
        wait_for_js(app, f"{by_testid('host-identity-stop')} !== null", timeout=60)
        label = f"{by_testid('host-identity-old-label')}.textContent.trim()"
        assert app.js(label) == "Safety code in the link"
        assert app.js(f"{by_testid('host-identity-old-code')}.textContent.trim()") == safety_code(named)
        assert (
            app.js(f"{by_testid('host-identity-new-code')}.textContent.trim()")
            == identity_of(host)["safety_code"]
        )
        assert "the one in the link you were given" in app.js(f"{by_testid('host-identity-stop')}.innerText")
        shot(app, display, "gateway-link-identity-changed-en")
        set_language(app, "ru")
        wait_for_js(app, f"{label} === 'Код безопасности в ссылке'")
        shot(app, display, "gateway-link-identity-changed-ru")
        # A first contact refused: nothing was pinned, and nothing reached the host.
        assert app.api("host_identity", host.host)["expected_from"] == "link"
        assert httpx.get(f"http://{host.host}/api/rooms", timeout=10).json()["rooms"] == []
