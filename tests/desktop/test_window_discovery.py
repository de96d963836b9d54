"""The window takes part in discovery: the real app (Qt offscreen) in a network namespace.

The window runs in namespace "w", peers (`lanchat serve`) in namespace "p", joined by a veth
pair (tests/support/netns.py): multicast stays on that pair. Each side's /api/discovered is read from
inside its own namespace, as only this machine may read it.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from server.tls.pins import PinStore
from server.tls.safety_code import fingerprint_in_link, safety_code
from tests.support.app_process import AppProcess, app_environment
from tests.support.netns import chat, fetch_json, in_namespace, network, wait_for
from tests.support.ports import free_port
from tests.support.screenshots import keep_for_review, screen_shot, virtual_screen
from tests.support.server_process import ServeProcess
from tests.support.tls_hosts import host_fingerprint, identity_in

pytestmark = [pytest.mark.window, pytest.mark.process, pytest.mark.netns]

WINDOW_ADDRESS = "10.213.0.1"
PEER_ADDRESS = "10.213.0.2"
FOUND_WITHIN = 15.0
GONE_WITHIN = 5.0  # the target for a withdrawn host
REMEMBERED_PORT = 18766


@pytest.fixture
def namespaces():
    with network() as net:
        window_ns, peer_ns = net.namespace("w"), net.namespace("p")
        net.link(window_ns, WINDOW_ADDRESS, peer_ns, PEER_ADDRESS, 24)
        yield window_ns, peer_ns


@pytest.fixture
def processes():
    started: list = []
    yield started
    for process in started:
        if isinstance(process, AppProcess):
            process.kill()
        else:
            process.stop(signal.SIGKILL)


def launch_window(tmp_path, ns: str, settings: dict) -> AppProcess:
    config = tmp_path / "window" / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps(settings))
    env = app_environment(tmp_path, LANCHAT_DISCOVERY="on")
    return AppProcess(tmp_path / "window" / "data", config, env, prefix=("ip", "netns", "exec", ns)).start()


def serve(tmp_path, ns: str, name: str, *args: str, port: int = 0) -> ServeProcess:
    process = ServeProcess(tmp_path / name, port, ("--host", "0.0.0.0", *args), command=in_namespace(ns))
    return process.start()


def window_lists(window: AppProcess) -> dict:
    return window.js_async(f"fetch('http://127.0.0.1:{window.port}/api/discovered').then((r) => r.json())")


def peer_lists(peer_ns: str, peer: ServeProcess) -> dict[str, dict]:
    hosts = fetch_json(peer_ns, f"http://127.0.0.1:{peer.port}/api/discovered")["hosts"]
    return {host["name"]: host for host in hosts}


def test_the_window_lists_found_and_remembered_hosts_joins_one_in_a_click_and_announces_only_while_hosting(
    namespaces, processes, tmp_path
):
    window_ns, peer_ns = namespaces
    peer = serve(tmp_path, peer_ns, "peer", "--announce", "--browse", "--name", "Peer host")
    processes.append(peer)
    chat(peer_ns, "127.0.0.1", peer.port, "attic", "first")
    remembered = serve(tmp_path, peer_ns, "remembered", port=REMEMBERED_PORT)  # announces nothing
    processes.append(remembered)
    window = launch_window(
        tmp_path,
        window_ns,
        {"name": "Window user", "recent": [{"host": f"{PEER_ADDRESS}:{REMEMBERED_PORT}", "room": "attic"}]},
    )
    processes.append(window)

    # Browsing from the start: the join screen lists both, each once it answered.
    def both_listed():
        hosts = {f"{h['address']}:{h['port']}": h["source"] for h in window_lists(window)["hosts"]}
        return hosts if len(hosts) == 2 else None

    hosts = wait_for(both_listed, FOUND_WITHIN, "the window lists the peer and the remembered host")
    assert hosts == {
        f"{PEER_ADDRESS}:{peer.port}": "found",
        f"{PEER_ADDRESS}:{REMEMBERED_PORT}": "remembered",
    }
    # Each probed over TLS, with the key it holds: the peer's from its announcement.
    keys = {h["port"]: h["fingerprint"] for h in window_lists(window)["hosts"]}
    assert keys == {
        peer.port: fingerprint_in_link(host_fingerprint(peer.data_dir)),
        REMEMBERED_PORT: fingerprint_in_link(host_fingerprint(remembered.data_dir)),
    }
    wait_for(
        lambda: window.js(
            "document.querySelector('[data-testid=discovered-hosts]')?.innerText.includes('Peer host')"
        ),
        FOUND_WITHIN,
        "the join screen shows the peer",
    )
    assert "Window user" not in peer_lists(peer_ns, peer), "not announced before hosting"

    # One click on the peer's room joins it at the found address: nobody types an address.
    join = (
        "[...document.querySelectorAll('[data-testid=discovered-hosts] button')]"
        ".find((b) => b.getAttribute('aria-label') === 'Join attic on Peer host')"
    )
    wait_for(lambda: window.js(f"Boolean({join})"), FOUND_WITHIN, "the peer's room is listed")
    window.js(f"{join}.click()")
    texts = (
        "[...document.querySelectorAll('[data-testid=message] [data-testid=text]')].map((e) => e.innerText)"
    )
    wait_for(lambda: "first" in window.js(texts), FOUND_WITHIN, "the peer's room shows its history")
    window.js(
        "const box = document.getElementById('composer-text'); box.value = 'from the window';"
        "box.dispatchEvent(new Event('input'))"
    )
    send = "document.querySelector('.message-composer button[type=submit]')"
    wait_for(lambda: window.js(f"!{send}.disabled"), 5, "the Send button is enabled")
    window.js(f"{send}.click()")
    history = f"http://127.0.0.1:{peer.port}/api/rooms/attic/messages"
    wait_for(
        lambda: "from the window" in [m["text"] for m in fetch_json(peer_ns, history)["messages"]],
        FOUND_WITHIN,
        "the message reached the peer",
    )

    port = free_port()
    assert window.api("start_hosting", port)["hosting"]
    listed = wait_for(
        lambda: peer_lists(peer_ns, peer).get("Window user"), FOUND_WITHIN, "the peer finds the window"
    )
    assert (listed["address"], listed["port"], listed["protocol"]) == (WINDOW_ADDRESS, port, 2)
    assert listed["fingerprint"] == fingerprint_in_link(host_fingerprint(window.data_dir))

    window.api("stop_hosting")
    wait_for(
        lambda: "Window user" not in peer_lists(peer_ns, peer), GONE_WITHIN, "gone after stopping hosting"
    )


def test_renaming_re_announces_switching_off_withdraws_and_quitting_says_goodbye(
    namespaces, processes, tmp_path
):
    window_ns, peer_ns = namespaces
    peer = serve(tmp_path, peer_ns, "peer", "--announce", "--browse", "--name", "Peer host")
    processes.append(peer)
    window = launch_window(tmp_path, window_ns, {"name": "Window user"})
    processes.append(window)
    assert window.api("discovery_status") == {"setting": True, "enabled": True, "blocked_by": None}
    window.api("start_hosting", free_port())
    wait_for(lambda: "Window user" in peer_lists(peer_ns, peer), FOUND_WITHIN, "the peer finds the window")
    wait_for(lambda: window_lists(window)["hosts"], FOUND_WITHIN, "the window finds the peer")
    assert [h["name"] for h in window_lists(window)["hosts"]] == ["Peer host"], "never itself"

    # The switch in the window's settings, clicked as the user would.
    toggle = "document.querySelector('[data-testid=discovery-toggle]')"
    assert window.js(f"{toggle}.checked") is True
    window.js(f"{toggle}.click()")
    wait_for(
        lambda: "Window user" not in peer_lists(peer_ns, peer), GONE_WITHIN, "withdrawn when switched off"
    )
    wait_for(lambda: window_lists(window) == {"browsing": False, "hosts": []}, GONE_WITHIN, "the list is off")
    assert window.api("discovery_status")["enabled"] is False
    assert json.loads((window.config_dir / "settings.json").read_text())["discovery"] is False

    window.api("save_settings", {"discovery": True})
    wait_for(lambda: "Window user" in peer_lists(peer_ns, peer), FOUND_WITHIN, "announced again when on")

    # A room joined by address on a host that announces nothing: remembered from then on.
    remembered = serve(tmp_path, peer_ns, "remembered", port=REMEMBERED_PORT)
    processes.append(remembered)
    window.api("save_settings", {"recent": [{"host": f"{PEER_ADDRESS}:{REMEMBERED_PORT}", "room": "attic"}]})
    wait_for(
        lambda: any(h["port"] == REMEMBERED_PORT for h in window_lists(window)["hosts"]),
        FOUND_WITHIN,
        "a host joined by address is listed",
    )

    window.api("save_settings", {"name": "Renamed"})
    wait_for(
        lambda: "Renamed" in peer_lists(peer_ns, peer) and "Window user" not in peer_lists(peer_ns, peer),
        FOUND_WITHIN,
        "the new name is announced in place of the old",
    )
    window.command("close")
    assert window.wait_exit(10) == 0
    wait_for(lambda: "Renamed" not in peer_lists(peer_ns, peer), GONE_WITHIN, "goodbye on quitting")


def test_a_remembered_host_presenting_another_key_than_the_window_pinned_is_listed_as_changed_and_stops_there(
    namespaces, processes, tmp_path
):
    window_ns, peer_ns = namespaces
    address = f"{PEER_ADDRESS}:{REMEMBERED_PORT}"
    # The window trusted this address before, when another key answered there.
    trusted_before = identity_in(tmp_path / "the-key-trusted-before").fingerprint
    data = tmp_path / "window" / "data"
    data.mkdir(parents=True)
    PinStore(data).trust(address, trusted_before, verified=False)
    host = serve(tmp_path, peer_ns, "remembered", port=REMEMBERED_PORT)  # announces nothing
    processes.append(host)
    chat(peer_ns, "127.0.0.1", host.port, "attic", "only for the real host")
    host_code = safety_code(host_fingerprint(host.data_dir))
    shots = Path(os.environ.get("LANCHAT_SHOTS", "/tmp/shots/gateway"))

    def shot(name: str) -> None:
        window.js_async(
            "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
        )
        time.sleep(0.5)
        shots.mkdir(parents=True, exist_ok=True)
        keep_for_review(screen_shot(display, name), shots)

    with virtual_screen(1100, 760) as display:
        config = tmp_path / "window" / "config"
        config.mkdir(parents=True)
        settings = {"name": "Window user", "recent": [{"host": address, "room": "attic"}]}
        (config / "settings.json").write_text(json.dumps(settings))
        env = app_environment(tmp_path, LANCHAT_DISCOVERY="on", DISPLAY=display, QT_QPA_PLATFORM="xcb")
        window = AppProcess(data, config, env, prefix=("ip", "netns", "exec", window_ns)).start()
        processes.append(window)

        # The prober holds it to the window's pin: listed as changed, with no rooms offered.
        def listed_changed():
            hosts = {f"{h['address']}:{h['port']}": h for h in window_lists(window)["hosts"]}
            entry = hosts.get(address)
            return entry if entry and entry["identity_changed"] else None

        entry = wait_for(listed_changed, FOUND_WITHIN, "the window lists the host as changed")
        assert (entry["rooms"], entry["presented_safety_code"]) == ([], host_code)
        changed = "document.querySelector('[data-testid=discovered-changed]')"
        wait_for(lambda: window.js(f"Boolean({changed})"), FOUND_WITHIN, "the join screen marks it")
        assert "Identity changed" in window.js(f"{changed}.innerText")
        # Its one button is the check: no room of whoever answered is offered.
        assert window.js(f"{changed}.closest('li').querySelectorAll('button').length") == 1
        window.js(f"{changed}.scrollIntoView({{block: 'center'}})")
        shot("discovered-identity-changed-en")
        window.js(
            "(() => { const s = document.querySelector('header select');"
            " s.value = 'ru'; s.dispatchEvent(new Event('change')); return true })()"
        )
        wait_for(
            lambda: "Подлинность изменилась" in window.js(f"{changed}.innerText"), 5, "the mark in Russian"
        )
        shot("discovered-identity-changed-ru")

        # Going on to it is the window's check: the stop, with the code trusted before and the new one.
        window.js("document.querySelector('[data-testid=discovered-changed-check]').click()")
        stop = "document.querySelector('[data-testid=host-identity-stop]')"
        wait_for(lambda: window.js(f"Boolean({stop})"), FOUND_WITHIN, "the identity-changed stop")
        old = window.js("document.querySelector('[data-testid=host-identity-old-code]').textContent.trim()")
        new = window.js("document.querySelector('[data-testid=host-identity-new-code]').textContent.trim()")
        assert (old, new) == (safety_code(trusted_before), host_code)
        label = window.js(
            "document.querySelector('[data-testid=host-identity-old-label]').textContent.trim()"
        )
        assert label == "Код безопасности, которому вы доверяли"
        shot("discovered-identity-changed-stop-ru")
        # Nothing was asked of it beyond the handshakes: no member joined, the pin is unchanged.
        assert PinStore(data).get(address).fingerprint == trusted_before  # type: ignore[union-attr]
        members = fetch_json(peer_ns, f"http://127.0.0.1:{host.port}/api/rooms")["rooms"]
        assert [room["members"] for room in members] == [0]
