"""Two real windows on two machines (network namespaces): one hosts and copies its join link, the
other pastes it and joins through its pinned gateway; both show the same safety code.

Window "a" hosts on its namespace's address; window "b" reaches it over a veth pair. The link is
the one the Host panel's Copy puts on the clipboard: https, with the host's whole fingerprint.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.support.app_process import AppProcess, app_environment
from tests.support.netns import network
from tests.support.ports import free_port
from tests.support.screenshots import keep_for_review, screen_shot, virtual_screen
from tests.support.window import UI_HELPERS, require_built_ui, wait_for_js

pytestmark = [pytest.mark.window, pytest.mark.process, pytest.mark.netns]

HOST_ADDRESS = "10.219.1.1"
GUEST_ADDRESS = "10.219.1.2"
SHOTS = Path(os.environ.get("LANCHAT_SHOTS", "/tmp/shots/gateway"))


def by_testid(name: str) -> str:
    return f"document.querySelector('[data-testid=\"{name}\"]')"


def type_into(app: AppProcess, selector: str, value: str) -> bool:
    return bool(
        app.js(
            f"(() => {{ const f = document.querySelector({json.dumps(selector)}); if (!f) return false;"
            f" f.value = {json.dumps(value)}; f.dispatchEvent(new Event('input', {{bubbles: true}}));"
            " return true })()"
        )
    )


def launch_in(tmp_path: Path, ns: str, name: str, display: str) -> AppProcess:
    config = tmp_path / name / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"name": name.capitalize()}))
    env = app_environment(tmp_path, LANCHAT_DISCOVERY="off", DISPLAY=display, QT_QPA_PLATFORM="xcb")
    prefix = ("ip", "netns", "exec", ns)
    return AppProcess(tmp_path / name / "data", config, env, prefix=prefix).start()


def shot(app: AppProcess, display: str, name: str) -> None:
    app.js_async("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")
    time.sleep(0.5)
    SHOTS.mkdir(parents=True, exist_ok=True)
    keep_for_review(screen_shot(display, name), SHOTS)


def test_a_second_window_joins_by_the_copied_link_and_both_show_the_same_safety_code(tmp_path):
    require_built_ui()
    started: list[AppProcess] = []
    with network(prefix="lcwjl") as net, virtual_screen(1100, 760) as display:
        host_ns, guest_ns = net.namespace("a"), net.namespace("b")
        net.link(host_ns, HOST_ADDRESS, guest_ns, GUEST_ADDRESS, 24)
        try:
            host = launch_in(tmp_path, host_ns, "host", display)
            started.append(host)
            host.js(UI_HELPERS)
            wait_for_js(host, "document.querySelector('#host-port') !== null", timeout=60)
            type_into(host, "#host-port", str(free_port()))
            assert host.js("window.__ui.click('Host')")
            own_code = wait_for_js(
                host, f"{by_testid('own-safety-code')}?.querySelector('.code').textContent.trim()"
            )
            copy = wait_for_js(host, "document.querySelector('button.copy')?.getAttribute('aria-label')")
            assert copy.startswith(f"Copy https://{HOST_ADDRESS}:")
            assert host.js(f"window.__ui.click({json.dumps(copy)})")
            wait_for_js(
                host,
                "[...document.querySelectorAll('button.copy')]"
                ".some((b) => b.textContent.trim() === 'Copied')",
            )
            link = host.command("clipboard")
            assert link == copy.removeprefix("Copy ") and "/#fp=" in link
            wait_for_js(host, "window.__ui.type('Room', 'kitchen')")
            wait_for_js(host, "window.__ui.click('Join')")
            wait_for_js(host, "document.querySelector('header [data-status=\"connected\"]') !== null")

            guest = launch_in(tmp_path, guest_ns, "guest", display)
            started.append(guest)
            guest.js(UI_HELPERS)
            wait_for_js(guest, f"window.__ui.type('Room', {json.dumps(link)})", timeout=60)
            address = link.removeprefix("https://").split("/")[0]
            wait_for_js(guest, f"window.__ui.click('Join on {address}')")
            wait_for_js(guest, "document.querySelector('#join-remote-room') !== null")
            type_into(guest, "#join-remote-room", "kitchen")
            guest.js("document.querySelector('#join-remote-room').form.requestSubmit()")
            wait_for_js(
                guest, "document.querySelector('header [data-status=\"connected\"]') !== null", timeout=30
            )
            guest.js(f"{by_testid('host-safety-toggle')}.click()")
            assert wait_for_js(guest, f"{by_testid('host-safety-code')}?.textContent.trim()") == own_code

            wait_for_js(guest, "window.__ui.type('Message', 'hello over the pinned gateway')")
            wait_for_js(guest, "window.__ui.click('Send')")
            wait_for_js(host, "document.body.innerText.includes('hello over the pinned gateway')")
            shot(guest, display, "gateway-second-window-joined-by-copied-link")
        finally:
            for app in started:
                app.kill()


def test_a_window_joined_by_address_stops_when_the_host_window_makes_a_new_identity_in_both_languages(
    tmp_path,
):
    require_built_ui()
    started: list[AppProcess] = []
    with network(prefix="lcwja") as net, virtual_screen(1100, 760) as display:
        host_ns, guest_ns = net.namespace("a"), net.namespace("b")
        net.link(host_ns, HOST_ADDRESS, guest_ns, GUEST_ADDRESS, 24)
        try:
            host = launch_in(tmp_path, host_ns, "host", display)
            started.append(host)
            host.js(UI_HELPERS)
            wait_for_js(host, "document.querySelector('#host-port') !== null", timeout=60)
            port = free_port()
            type_into(host, "#host-port", str(port))
            assert host.js("window.__ui.click('Host')")
            own_code = wait_for_js(
                host, f"{by_testid('own-safety-code')}?.querySelector('.code').textContent.trim()"
            )
            wait_for_js(host, "document.querySelector('button.copy') !== null")
            wait_for_js(host, "window.__ui.type('Room', 'kitchen')")
            wait_for_js(host, "window.__ui.click('Join')")
            wait_for_js(host, "document.querySelector('header [data-status=\"connected\"]') !== null")

            # By address, typed in the form for another computer: a first contact, trusted on use.
            guest = launch_in(tmp_path, guest_ns, "guest", display)
            started.append(guest)
            guest.js(UI_HELPERS)
            wait_for_js(guest, "document.querySelector('#join-address') !== null", timeout=60)
            guest.js("document.querySelector('details.section').open = true")
            type_into(guest, "#join-address", f"{HOST_ADDRESS}:{port}")
            type_into(guest, "#join-remote-room", "kitchen")
            guest.js("document.querySelector('#join-address').form.requestSubmit()")
            wait_for_js(
                guest, "document.querySelector('header [data-status=\"connected\"]') !== null", timeout=30
            )
            guest.js(f"{by_testid('host-safety-toggle')}.click()")
            assert wait_for_js(guest, f"{by_testid('host-safety-code')}?.textContent.trim()") == own_code

            # The host's person makes a new identity from the Hosting section, beside the code.
            host.js(f"{by_testid('new-host-identity-ask')}.click()")
            wait_for_js(host, f"{by_testid('new-host-identity-confirm')} !== null")
            host.js(f"{by_testid('new-host-identity-confirm')}.click()")
            shown = f"{by_testid('own-safety-code')}?.querySelector('.code').textContent.trim()"
            new_code = wait_for_js(
                host, f"(() => {{ const c = {shown}; return c !== {json.dumps(own_code)} ? c : null }})()"
            )

            # The guest's room reconnects through its gateway, which stops it: both codes, nothing sent.
            wait_for_js(guest, f"{by_testid('host-identity-stop')} !== null", timeout=60)
            assert guest.js(f"{by_testid('host-identity-old-label')}.textContent.trim()") == (
                "Safety code you trusted"
            )
            assert guest.js(f"{by_testid('host-identity-old-code')}.textContent.trim()") == own_code
            assert guest.js(f"{by_testid('host-identity-new-code')}.textContent.trim()") == new_code
            shot(guest, display, "two-windows-identity-changed-en")
            guest.js(
                "(() => { const s = document.querySelector('header select');"
                " s.value = 'ru'; s.dispatchEvent(new Event('change')); return true })()"
            )
            wait_for_js(
                guest, f"{by_testid('host-identity-stop')}.innerText.includes('Подлинность хоста изменилась')"
            )
            shot(guest, display, "two-windows-identity-changed-ru")
        finally:
            for app in started:
                app.kill()
