"""The prober against real HTTPS servers on loopback: what it believes and what it refuses.

No multicast here: the hosts are given to the directory as remembered ones, as the window does.
Each stand-in host serves TLS with a key of its own, as a lanchat host does.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from server.peers.directory import MAX_PEER_NAME_CHARS, HostDirectory
from server.peers.prober import MAX_ANSWER_BYTES, HostProber
from server.protocol.limits import ROOM_LIST_PAGE_MAX
from server.tls.pins import PinStore
from server.tls.safety_code import fingerprint_in_link, safety_code
from tests.support.tls_hosts import identity_in, serving_context

HEALTH = {"status": "ok", "version": "0.1.0", "protocol": 2, "instance": "other", "name": "Kitchen"}
ROOMS = {"rooms": [{"name": "lobby", "members": 1, "messages": 2}]}


class FakeHost:
    """An HTTPS server on loopback answering GETs from `answers` (path -> (status, headers, body)),
    with the host identity kept in `folder`."""

    def __init__(self, answers: dict[str, tuple[int, dict[str, str], bytes]], folder: Path) -> None:
        self.requested: list[str] = []
        self.fingerprint = identity_in(folder).fingerprint
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requested.append(self.path)
                status, headers, body = answers.get(self.path, (404, {}, b"{}"))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = serving_context(folder).wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def ok(body: object) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


@pytest.fixture
def fake_host(tmp_path):
    started: list[FakeHost] = []

    def start(answers) -> FakeHost:
        host = FakeHost(answers, tmp_path / f"host-{len(started)}")
        started.append(host)
        return host

    yield start
    for host in started:
        host.close()


def probe_once(
    port: int,
    until: Callable[[HostDirectory], bool] = lambda d: False,
    directory: HostDirectory | None = None,
    pins: PinStore | None = None,
) -> HostDirectory:
    """Remember 127.0.0.1:port, let the prober ask it (and what it names), return the directory."""

    async def run(directory: HostDirectory) -> HostDirectory:
        prober = HostProber(directory, pins)
        for host in directory.remember([("127.0.0.1", port)], 0.0):
            prober.probe_soon(host)
        for host in directory.entries():  # already known (a test gave it a fingerprint)
            prober.probe_soon(host)
        for _ in range(100):  # up to 5 s
            await asyncio.sleep(0.05)
            if until(directory) or not prober._running:
                break
        await prober.stop()
        return directory

    # An empty directory is falsy (it has a length): only None means "make one".
    return asyncio.run(run(directory if directory is not None else HostDirectory("me")))


def test_a_host_answering_as_lanchat_is_live_with_its_rooms_and_the_hosts_it_names_are_offered(fake_host):
    named = {"name": "Attic", "address": "10.213.0.99", "port": 8765, "protocol": 2, "last_answered": 1}
    host = fake_host(
        {"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS), "/api/hosts": ok({"hosts": [named]})}
    )
    directory = probe_once(host.port, until=lambda d: len(d) == 2)
    [live] = directory.live()
    assert (live.name, live.port, live.rooms, live.instance) == (
        "Kitchen",
        host.port,
        ROOMS["rooms"],
        "other",
    )
    attic = directory.get("10.213.0.99", 8765)
    assert attic is not None and attic.source == "peer" and not attic.live, "named, never listed unprobed"


def test_a_hosts_key_is_remembered_from_its_first_probe_with_its_safety_code(fake_host):
    host = fake_host({"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS)})
    directory = probe_once(host.port)
    [live] = directory.live()
    assert live.fingerprint == host.fingerprint
    assert (live.link_fingerprint, live.safety_code) == (
        fingerprint_in_link(host.fingerprint),
        safety_code(host.fingerprint),
    )


def test_a_host_presenting_another_key_than_expected_is_not_listed_and_asked_nothing(fake_host, tmp_path):
    host = fake_host({"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS)})
    directory = HostDirectory("me")
    expected = identity_in(tmp_path / "the-real-host").fingerprint
    directory.offer("127.0.0.1", host.port, "remembered", 0.0, fingerprint=expected)
    probe_once(host.port, directory=directory)
    entry = directory.get("127.0.0.1", host.port)
    assert entry is not None and entry.identity_changed and not entry.live
    assert directory.live() == []
    assert host.requested == [], "not one request after the handshake"


def test_a_host_the_window_pinned_to_another_key_is_a_changed_identity_whatever_else_names_it(
    fake_host, tmp_path
):
    host = fake_host({"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS)})
    pins = PinStore(tmp_path / "window")
    trusted_before = identity_in(tmp_path / "the-key-trusted-before").fingerprint
    pins.trust(f"127.0.0.1:{host.port}", trusted_before, verified=False)
    # The network vouches for the key it presents (a TXT record, say): the window's pin decides.
    directory = HostDirectory("me")
    directory.offer("127.0.0.1", host.port, "remembered", 0.0, fingerprint=host.fingerprint)
    probe_once(host.port, directory=directory, pins=pins)
    entry = directory.get("127.0.0.1", host.port)
    assert entry is not None and entry.identity_changed and not entry.live
    assert entry.presented == host.fingerprint
    assert directory.changed() == [entry] and directory.live() == []
    assert host.requested == [], "not one request after the handshake"


def test_a_host_presenting_its_pinned_key_is_live_even_when_the_directory_expected_another(
    fake_host, tmp_path
):
    host = fake_host({"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS)})
    pins = PinStore(tmp_path / "window")
    pins.trust(f"127.0.0.1:{host.port}", host.fingerprint, verified=False)
    directory = HostDirectory("me")
    named = identity_in(tmp_path / "a-key-named-before").fingerprint
    directory.offer("127.0.0.1", host.port, "remembered", 0.0, fingerprint=named)
    probe_once(host.port, directory=directory, pins=pins)
    [live] = directory.live()
    assert live.port == host.port and not live.identity_changed


def test_the_prober_reads_the_pin_store_as_it_is_now_so_a_key_trusted_anew_is_live_at_the_next_probe(
    fake_host, tmp_path
):
    host = fake_host({"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS)})
    pins = PinStore(tmp_path / "window")
    pins.trust(f"127.0.0.1:{host.port}", identity_in(tmp_path / "old").fingerprint, verified=False)
    directory = probe_once(host.port, pins=pins)
    assert [h.port for h in directory.changed()] == [host.port]
    pins.trust(f"127.0.0.1:{host.port}", host.fingerprint)  # the stop screen's "Trust"
    probe_once(host.port, directory=directory, pins=pins)
    assert [h.port for h in directory.live()] == [host.port] and directory.changed() == []


def test_a_host_presenting_the_key_a_peer_named_is_live(fake_host):
    host = fake_host({"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS)})
    directory = HostDirectory("me")
    directory.offer("127.0.0.1", host.port, "remembered", 0.0, fingerprint=host.fingerprint)
    assert [h.port for h in probe_once(host.port, directory=directory).live()] == [host.port]


def test_the_hosts_a_peer_names_keep_the_fingerprint_it_gives_them(fake_host, tmp_path):
    attic_key = identity_in(tmp_path / "attic").fingerprint
    named = [
        {
            "name": "Attic",
            "address": "10.213.0.99",
            "port": 8765,
            "fingerprint": fingerprint_in_link(attic_key),
        },
        {"name": "Cellar", "address": "10.213.0.98", "port": 8765, "fingerprint": "not one"},
    ]
    host = fake_host({"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS), "/api/hosts": ok({"hosts": named})})
    directory = probe_once(host.port, until=lambda d: len(d) == 3)
    attic, cellar = directory.get("10.213.0.99", 8765), directory.get("10.213.0.98", 8765)
    assert attic is not None and attic.fingerprint == attic_key
    assert cellar is not None and cellar.fingerprint is None


def test_a_lanchat_from_before_api_hosts_is_still_live(fake_host):
    host = fake_host({"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS)})
    assert [h.port for h in probe_once(host.port).live()] == [host.port]


def test_something_else_answering_http_is_not_listed(fake_host):
    host = fake_host({"/api/health": (200, {}, b"<html>router login</html>")})
    assert probe_once(host.port).live() == []


def test_a_redirect_is_not_followed_and_the_host_is_not_listed(fake_host):
    elsewhere = fake_host({"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS)})
    redirecting = fake_host(
        {"/api/health": (302, {"Location": f"https://127.0.0.1:{elsewhere.port}/api/health"}, b"")}
    )
    assert probe_once(redirecting.port).live() == []
    assert elsewhere.requested == []


def test_an_answer_of_exactly_the_size_limit_is_read_and_one_byte_more_is_refused(fake_host):
    def padded(extra: int) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(HEALTH).encode()
        return 200, {}, body + b" " * (MAX_ANSWER_BYTES - len(body) + extra)

    at_limit = fake_host({"/api/health": padded(0), "/api/rooms": ok(ROOMS)})
    assert len(probe_once(at_limit.port).live()) == 1
    over = fake_host({"/api/health": padded(1), "/api/rooms": ok(ROOMS)})
    assert probe_once(over.port).live() == []


def test_nothing_listening_is_not_listed():
    with socket.socket() as probe:  # a port free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert probe_once(port).live() == []


@pytest.mark.parametrize(
    "spelling",
    ["::ffff:127.0.0.1", "::127.0.0.1", "2002:7f00:1::", "64:ff9b::7f00:1"],
    ids=["mapped", "compatible", "6to4", "nat64"],
)
def test_a_peer_naming_our_loopback_in_an_ipv6_spelling_gets_no_probe_and_no_entry(fake_host, spelling):
    # The address a peer names hides 127.0.0.1: probing it would have this host ask its own
    # loopback services, and /api/hosts would then repeat the entry to everyone.
    own_service = fake_host({"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS)})
    named = {"name": "Me", "address": spelling, "port": own_service.port, "protocol": 2, "last_answered": 1}
    peer = fake_host(
        {"/api/health": ok(HEALTH), "/api/rooms": ok(ROOMS), "/api/hosts": ok({"hosts": [named]})}
    )
    directory = probe_once(peer.port)
    assert [h.port for h in directory.entries()] == [peer.port]
    assert own_service.requested == []


def test_what_a_peer_says_of_itself_is_kept_within_its_limits(fake_host):
    health = dict(HEALTH, name="Kitchen\u202e" + "x" * 100_000, instance="i" * 100_000)
    rooms = {
        "rooms": [
            {"name": "lobby", "members": 1, "messages": 2},
            {"name": "x" * 10_000, "members": 1, "messages": 1},  # no room name of ours
            {"name": "secret", "members": None, "messages": None, "private": True},
            {"name": "odd", "members": "many", "messages": 1},
            "not a room",
            *({"name": f"room {n}", "members": 0, "messages": 0} for n in range(ROOM_LIST_PAGE_MAX)),
        ]
    }
    host = fake_host({"/api/health": ok(health), "/api/rooms": ok(rooms)})
    [live] = probe_once(host.port).live()
    assert live.name == "Kitchen" + "x" * (MAX_PEER_NAME_CHARS - len("Kitchen"))
    assert live.instance is None
    assert live.rooms[:2] == [
        {"name": "lobby", "members": 1, "messages": 2},
        {"name": "secret", "members": None, "messages": None, "private": True},
    ]
    assert len(live.rooms) == ROOM_LIST_PAGE_MAX - 3  # of the first 500 entries, 3 are refused
