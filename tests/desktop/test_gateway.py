"""The window's pinned gateway to another host, against a real `lanchat serve` reached over TLS."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidMessage
from websockets.sync.client import connect

from desktop.bridge import Bridge
from desktop.gateway import Gateway, IdentityChanged
from desktop.hosting import Hosting
from desktop.notifications import Notifier
from desktop.page_guard import PageGuard
from desktop.page_storage import PageStorage
from desktop.settings import SettingsStore
from server.config import ServerConfig
from server.runtime.runner import ServerThread
from server.tls.contexts import client_context
from server.tls.pins import PinStore
from server.tls.safety_code import fingerprint_from_link
from tests.support.file_host import file_host_args
from tests.support.frames import frames_until, new_secret
from tests.support.ports import free_port
from tests.support.rooms import PASSWORD
from tests.support.tus_client import TusUpload, sha256_b64
from tests.support.waiting import wait_for

# The window's page is served by pywebview on loopback: its origin is one of these.
PAGE_ORIGIN = "http://127.0.0.1:45123"


def identity_of(server) -> dict:
    """The host's own word on its identity, asked over TLS directly (not through the gateway)."""
    response = httpx.get(f"https://{server.host}/api/identity", verify=client_context(), timeout=20)
    return response.json()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    changes: list[IdentityChanged] = []
    running = Gateway(PinStore(tmp_path / "window"), changes.append)
    running.changes = changes  # type: ignore[attr-defined]
    (tmp_path / "window").mkdir()
    try:
        yield running
    finally:
        running.stop()


def post(ws, text: str, **extra) -> dict:
    client_id = secrets.token_hex(8)
    ws.send(json.dumps({"type": "message", "sender": "Anna", "text": text, "client_id": client_id, **extra}))
    return frames_until(ws, lambda f: f.get("client_id") == client_id or f["type"] == "error")[-1]


def test_the_page_chats_reads_history_uploads_and_downloads_through_the_gateway(
    serve_process, gateway, tmp_path
):
    host = serve_process(extra_args=file_host_args(tmp_path))
    opened = gateway.open(host.host)
    assert opened == {
        "via": opened["via"],
        "safety_code": identity_of(host)["safety_code"],
        "first_contact": True,
        "verified": False,
    }
    via = opened["via"]
    assert via.startswith("127.0.0.1:") and via != host.host

    url = f"ws://{via}/ws/team?v=2&name=Anna"
    with connect(url, origin=PAGE_ORIGIN) as ws:
        ws.send(json.dumps({"type": "password", "password": PASSWORD}))
        token = frames_until(ws, lambda f: f["type"] == "entered")[-1]["token"]
        ws.send(json.dumps({"type": "hello", "secret": new_secret()}))
        frames_until(ws, lambda f: f["type"] == "identified")
        assert post(ws, "through the gateway")["type"] == "message"

        data = os.urandom(200_000)
        headers = {"Origin": PAGE_ORIGIN}
        with httpx.Client(base_url=f"http://{via}", headers=headers, timeout=30) as http:
            upload = TusUpload.create(http, "team", len(data), sha256_b64(data), name="plan.bin", token=token)
            # Half, then a fresh connection resumes from the host's offset, as tus-js-client does.
            assert upload.patch(0, data[:100_000]).status_code == 204
        with httpx.Client(base_url=f"http://{via}", headers=headers, timeout=30) as http:
            upload.client = http
            assert upload.offset() == 100_000
            assert upload.patch(100_000, data[100_000:]).status_code == 204
            frame = post(ws, "", attachments=[upload.upload_id])
            (attachment,) = frame["attachments"]

            history = http.get("/api/rooms/team/messages", headers={"X-Lanchat-Room-Token": token}).json()
            assert [m["text"] for m in history["messages"]] == ["through the gateway", ""]

            # The room-access cookie for <img> and links: set for the gateway's port, sent back by it.
            access = http.post("/api/rooms/team/access", headers={"X-Lanchat-Room-Token": token})
            assert access.status_code in (200, 204), access.text
            assert any(via.rsplit(":", 1)[1] in name for name in http.cookies)
            download = http.get(attachment["url"])
            assert download.status_code == 200
            assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(data).hexdigest()


def test_a_room_socket_reconnects_through_the_same_gateway_and_catches_up(serve_process, gateway):
    host = serve_process()
    via = gateway.open(host.host)["via"]
    with connect(f"ws://{via}/ws/lobby?v=2&name=Anna", origin=PAGE_ORIGIN) as ws:
        first = post(ws, "one")["id"]
    with connect(f"ws://{via}/ws/lobby?v=2&name=Boris", origin=PAGE_ORIGIN) as ws:
        post(ws, "two")
    with connect(f"ws://{via}/ws/lobby?v=2&name=Anna&after={first}", origin=PAGE_ORIGIN) as ws:
        assert frames_until(ws, lambda f: f.get("text") == "two")[-1]["sender"] == "Anna"


def test_a_host_opened_again_is_no_first_contact_and_keeps_its_way_in(serve_process, gateway):
    host = serve_process()
    first = gateway.open(host.host)
    again = gateway.open(host.host)
    assert not again["first_contact"] and again["via"] == first["via"]
    assert gateway.route(host.host) == first["via"]


def test_another_identity_at_the_same_address_is_stopped_and_hears_nothing(serve_process, gateway, tmp_path):
    port = free_port()
    trusted = serve_process(port=port, data_dir=tmp_path / "trusted")
    trusted_code = identity_of(trusted)["safety_code"]
    via = gateway.open(trusted.host)["via"]
    trusted.stop()
    impostor = serve_process(port=port, data_dir=tmp_path / "impostor")
    impostor_code = identity_of(impostor)["safety_code"]
    assert impostor_code != trusted_code

    assert gateway.open(impostor.host) == {
        "problem": "identity_changed",
        "old_code": trusted_code,
        "new_code": impostor_code,
        "expected_from": "pin",
    }
    # With a pin, a join link naming yet another key changes nothing: the pin is what is compared.
    linked = gateway.open(impostor.host, fingerprint_from_link(identity_of(impostor)["fingerprint"]))
    assert linked["expected_from"] == "pin"  # type: ignore[typeddict-item]
    # The page, not told yet, goes on through the gateway: its connection ends before a byte of
    # its reaches the host, and nothing comes back.
    url = f"ws://{via}/ws/lobby?v=2&name=Anna"
    with (
        pytest.raises((ConnectionClosed, InvalidMessage, OSError)),
        connect(url, origin=PAGE_ORIGIN, open_timeout=10) as ws,
    ):
        ws.send(json.dumps({"type": "hello", "secret": "the secret"}))
        ws.recv(timeout=5)
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://{via}/api/rooms", timeout=10)
    assert [change.host for change in gateway.changes] == [impostor.host] * len(gateway.changes)  # type: ignore[attr-defined]
    assert len(gateway.changes) >= 2  # type: ignore[attr-defined]
    # The impostor's own plain loopback door shows no room and no message was made there.
    assert httpx.get(f"http://{impostor.host}/api/rooms", timeout=10).json()["rooms"] == []
    assert gateway.pins.get(impostor.host).fingerprint != fingerprint_from_link(  # type: ignore[union-attr]
        identity_of(impostor)["fingerprint"]
    )

    # Trusting the new identity (after comparing codes) lets the page through again.
    trusted_now = gateway.trust(impostor.host, fingerprint_from_link(identity_of(impostor)["fingerprint"]))
    assert trusted_now["safety_code"] == impostor_code and trusted_now["verified"]
    assert gateway.changed(impostor.host) is None
    assert httpx.get(f"http://{via}/api/rooms", timeout=10).status_code == 200


def test_a_join_links_fingerprint_refuses_another_key_at_first_contact_and_is_named_the_links(
    serve_process, gateway, tmp_path
):
    host = serve_process()
    other = serve_process(data_dir=tmp_path / "other")
    expected = fingerprint_from_link(identity_of(other)["fingerprint"])
    answer = gateway.open(host.host, expected)
    assert answer == {
        "problem": "identity_changed",
        "old_code": identity_of(other)["safety_code"],
        "new_code": identity_of(host)["safety_code"],
        "expected_from": "link",  # no earlier visit: the stop screen says "in the link"
    }
    changed = gateway.changed(host.host)
    assert changed is not None and changed.problem()["expected_from"] == "link"
    assert gateway.pins.get(host.host) is None
    linked = gateway.open(host.host, fingerprint_from_link(identity_of(host)["fingerprint"]))
    assert linked["first_contact"]  # type: ignore[typeddict-item]


def test_a_host_that_does_not_answer_is_unreachable_and_plain_http_is_no_tls(gateway):
    assert gateway.open(f"127.0.0.1:{free_port()}") == {"problem": "unreachable"}
    assert gateway.open("not an address") == {"problem": "bad_address"}

    # A plain HTTP service where a host should be: no TLS, nothing pinned.
    import http.server

    plain = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    try:
        address = f"127.0.0.1:{plain.server_address[1]}"
        assert gateway.open(address) == {"problem": "tls_failed"}
        assert gateway.pins.get(address) is None
    finally:
        plain.shutdown()
        plain.server_close()


class StandInWindow:
    """pywebview's Window at the boundary: the URL it shows, and the scripts run in its page."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.scripts: list[str] = []

    def get_current_url(self) -> str:
        return self.url

    def evaluate_js(self, script: str) -> None:
        self.scripts.append(script)


def window_bridge(tmp_path: Path, gateway: Gateway) -> tuple[Bridge, StandInWindow]:
    server = ServerThread(ServerConfig(host="127.0.0.1", port=0, data_dir=tmp_path / "own"))
    bridge = Bridge(
        Hosting(server), SettingsStore(tmp_path), Notifier(), PageStorage(tmp_path), gateway=gateway
    )
    guard = PageGuard()
    guard.origin = "http://127.0.0.1:40000"
    window = StandInWindow("http://127.0.0.1:40000/index.html?server=127.0.0.1:1")
    bridge._attach(window, guard)  # type: ignore[arg-type]
    return bridge, window


def test_trusting_a_changed_identity_takes_its_new_code_typed_and_the_page_hears_of_the_change(
    serve_process, tmp_path
):
    window_data = tmp_path / "window"
    window_data.mkdir()
    holder: list[Bridge] = []
    gateway = Gateway(PinStore(window_data), lambda changed: holder[0]._identity_changed(changed))
    try:
        bridge, window = window_bridge(tmp_path, gateway)
        holder.append(bridge)
        port = free_port()
        trusted = serve_process(port=port, data_dir=tmp_path / "trusted")
        link = identity_of(trusted)["fingerprint"]
        opened = bridge.open_host(trusted.host, link)
        assert opened["first_contact"]  # type: ignore[typeddict-item]
        assert bridge.host_identity(trusted.host) == {"safety_code": opened["safety_code"], "verified": False}  # type: ignore[typeddict-item]
        assert bridge.set_host_verified(trusted.host, True)["verified"]  # type: ignore[index]
        trusted.stop()
        impostor = serve_process(port=port, data_dir=tmp_path / "impostor")
        new_code = identity_of(impostor)["safety_code"]

        changed = bridge.open_host(impostor.host)
        assert changed["problem"] == "identity_changed"  # type: ignore[typeddict-item]
        assert bridge.host_identity(impostor.host) == changed
        told = wait_for(lambda: window.scripts, 10, "the page told of the change")
        assert "lanchat-host-identity" in told[0] and new_code in told[0]

        for wrong in ("", "trust", opened["safety_code"]):  # type: ignore[typeddict-item]
            with pytest.raises(ValueError, match="not the host's new safety code"):
                bridge.trust_host_identity(impostor.host, wrong)
        assert bridge.open_host(impostor.host)["problem"] == "identity_changed"  # type: ignore[typeddict-item]

        trusted_now = bridge.trust_host_identity(impostor.host, new_code.replace(" ", ""))
        assert trusted_now["safety_code"] == new_code and trusted_now["verified"]
        assert not bridge.open_host(impostor.host)["first_contact"]  # type: ignore[typeddict-item]

        window.url = "http://192.0.2.9:8000/"
        for call in (
            lambda: bridge.open_host(impostor.host),
            lambda: bridge.trust_host_identity(impostor.host, new_code),
            lambda: bridge.host_routes([impostor.host]),
        ):
            with pytest.raises(PermissionError, match="only for lanchat's own page"):
                call()
    finally:
        gateway.stop()


def test_a_route_to_a_host_never_opened_refuses_the_page_and_pins_nothing(serve_process, gateway):
    """First contact is open()'s alone: the page's own connections never pin whoever answers."""
    host = serve_process()
    via = gateway.route(host.host)
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://{via}/api/rooms", timeout=10)
    assert gateway.pins.get(host.host) is None
    assert gateway.open(host.host)["first_contact"]  # type: ignore[typeddict-item]
    assert httpx.get(f"http://{via}/api/rooms", timeout=10).status_code == 200


def test_each_host_keeps_its_gateway_port_across_restarts_so_stored_upload_addresses_still_lead_there(
    serve_process, tmp_path
):
    host = serve_process()
    folder = tmp_path / "kept"
    folder.mkdir()
    first = Gateway(PinStore(folder), ports_folder=folder)
    try:
        via = first.open(host.host)["via"]  # type: ignore[typeddict-item]
    finally:
        first.stop()
    again = Gateway(PinStore(folder), ports_folder=folder)
    try:
        assert again.route(host.host) == via
        assert httpx.get(f"http://{via}/api/rooms", timeout=10).status_code == 200
    finally:
        again.stop()


def test_a_new_host_identity_is_served_at_once_the_old_one_kept_aside_and_a_window_that_pinned_it_stops(
    tmp_path, gateway
):
    from desktop.identity_reset import make_new_host_identity
    from server.tls.host_identity import CERT_FILE, KEY_FILE

    data = tmp_path / "own"
    server = ServerThread(ServerConfig(host="127.0.0.1", port=0, data_dir=data))
    server.start()
    try:
        address = f"127.0.0.1:{server.port}"
        before = gateway.open(address)
        old_code = before["safety_code"]  # type: ignore[typeddict-item]

        made = make_new_host_identity(Hosting(server))

        assert made["safety_code"] != old_code
        served = httpx.get(f"https://{address}/api/identity", verify=client_context(), timeout=20).json()
        assert (served["safety_code"], served["fingerprint"]) == (made["safety_code"], made["fingerprint"])
        kept_aside = sorted(path.name.split(".replaced-")[0] for path in data.glob("*.replaced-*"))
        assert kept_aside == sorted([CERT_FILE, KEY_FILE])
        for name in (CERT_FILE, KEY_FILE):
            assert (data / name).stat().st_mode & 0o077 == 0
        assert gateway.open(address) == {
            "problem": "identity_changed",
            "old_code": old_code,
            "new_code": made["safety_code"],
            "expected_from": "pin",
        }
    finally:
        server.stop()
