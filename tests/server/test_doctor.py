"""The connection doctor on loopback: real `lanchat serve` processes asking about each other.

The failures that need another machine (a silent address, a host with no route) are in
test_doctor_netns.py; here are the ones loopback can show, and the doctor's own guard.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from server.config import ServerConfig
from server.peers.doctor import ANSWER_TIMEOUT_SECONDS, DOCTOR_HEADER, MAX_ANSWER_BYTES, MAX_HOST_CHARS
from server.runtime.runner import ServerThread
from server.tls.pins import PinStore
from server.tls.safety_code import fingerprint_in_link, safety_code
from tests.support.ports import free_port
from tests.support.server_process import ServeProcess
from tests.support.tls_hosts import host_fingerprint, identity_in, serving_context

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def ask(
    doctor_port: int,
    address: str,
    headers: dict[str, str] | None = None,
    v: int | None = None,
    fp: bytes | None = None,
    fp_from: str | None = None,
):
    """(status, body) of GET /api/diagnose as this machine's page asks it (expecting the key `fp`,
    which it had from `fp_from`)."""
    query = urllib.parse.urlencode(
        {
            "address": address,
            **({"v": v} if v is not None else {}),
            **({"fp": fingerprint_in_link(fp)} if fp is not None else {}),
            **({"fp_from": fp_from} if fp_from is not None else {}),
        }
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{doctor_port}/api/diagnose?{query}",
        headers={DOCTOR_HEADER: "1", **(headers or {})},
    )
    try:
        with OPENER.open(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# One doctor and one host for the whole module: each check is independent of the last (the host
# keeps no state from a probe, which joins no room), and two processes start once, not per test.
@pytest.fixture(scope="module")
def doctor(module_serve_process) -> ServeProcess:
    return module_serve_process(extra_args=("--allow-host", "chat.home.arpa"))


@pytest.fixture(scope="module")
def host(module_serve_process) -> ServeProcess:
    return module_serve_process()


@pytest.fixture(scope="module")
def stand_in_tls(tmp_path_factory) -> ssl.SSLContext:
    """The TLS a stand-in host (a web server, a proxy) serves: a key of its own, not lanchat's."""
    return serving_context(tmp_path_factory.mktemp("stand-in"))


@contextmanager
def listener(answer, tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """A loopback TCP server that hands each accepted connection to `answer`, on a thread; with
    `tls`, after a TLS handshake (one that fails ends the connection)."""

    def handle(conn: socket.socket) -> None:
        if tls is not None:
            try:
                conn = tls.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                return
        answer(conn)

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        server.close()


def test_lanchat_itself_passes_every_step(doctor, host):
    status, body = ask(doctor.port, host.host)
    assert status == 200, body
    assert body["outcome"] == "ok" and body["step"] is None
    assert body["protocol"] == 2 and body["resolved"] == ["127.0.0.1"]
    fingerprint = host_fingerprint(host.data_dir)
    assert (body["fingerprint"], body["safety_code"]) == (
        fingerprint_in_link(fingerprint),
        safety_code(fingerprint),
    )


def test_lanchat_with_the_key_the_page_expects_passes_every_step(doctor, host):
    status, body = ask(doctor.port, host.host, fp=host_fingerprint(host.data_dir))
    assert (status, body["outcome"], body["step"]) == (200, "ok", None), body


def test_a_host_presenting_another_key_than_expected_is_an_identity_change_and_hears_nothing(
    doctor, stand_in_tls, tmp_path
):
    heard: list[bytes] = []
    done = threading.Event()

    def impostor(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(ANSWER_TIMEOUT_SECONDS + 2)
            try:
                heard.append(conn.recv(65536))
            except (OSError, ssl.SSLError) as exc:
                heard.append(repr(exc).encode())
            finally:
                done.set()

    expected = identity_in(tmp_path / "the-real-host").fingerprint
    with listener(impostor, stand_in_tls) as port:
        status, body = ask(doctor.port, f"127.0.0.1:{port}", fp=expected)
        # The doctor answers the page as soon as it has closed; the impostor's thread may still be
        # on its way out of recv(), so the test waits for what it heard rather than racing it.
        done.wait(ANSWER_TIMEOUT_SECONDS + 5)
    assert (status, body["outcome"], body["step"]) == (200, "identity_changed", "identity"), body
    assert body["expected_safety_code"] == safety_code(expected)
    assert body["expected_from"] == "link"  # the page gave no source: a fingerprint is a link's
    assert body["safety_code"] not in (None, body["expected_safety_code"])
    assert heard == [b""], "the doctor closed the connection without a word"


def test_the_answer_says_where_the_expected_key_came_from_and_refuses_an_unknown_source(
    doctor, host, tmp_path
):
    expected = identity_in(tmp_path / "another-key").fingerprint
    for fp_from in ("link", "list"):
        status, body = ask(doctor.port, host.host, fp=expected, fp_from=fp_from)
        assert (status, body["outcome"], body["expected_from"]) == (200, "identity_changed", fp_from), body
    # No key expected: no source either.
    status, body = ask(doctor.port, host.host, fp_from="list")
    assert (status, body["outcome"], body["expected_from"]) == (200, "ok", None), body
    # Only the page's own two sources: "pin" is the window's to say, never the page's.
    for fp_from in ("pin", "trusted", ""):
        status, body = ask(doctor.port, host.host, fp=expected, fp_from=fp_from)
        assert status == 400 and "fp_from must be link or list" in body["error"], body


def test_a_port_answering_plain_http_is_named_as_not_speaking_tls(doctor):
    def plain_web_server(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n")

    with listener(plain_web_server) as port:
        status, body = ask(doctor.port, f"127.0.0.1:{port}")
    assert (status, body["outcome"], body["step"]) == (200, "not_tls", "tls"), body


def test_a_tls_server_refusing_tls_1_3_is_named_at_the_handshake(doctor, tmp_path):
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    identity = identity_in(tmp_path / "old")
    old.load_cert_chain(identity.cert_path, identity.key_path)
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    with listener(lambda conn: conn.close(), old) as port:
        status, body = ask(doctor.port, f"127.0.0.1:{port}")
    assert (status, body["outcome"], body["step"]) == (200, "tls_failed", "tls"), body
    assert "TLS 1.3" in body["detail"]


def test_a_fingerprint_that_is_not_one_is_refused_with_why(doctor, host):
    query = urllib.parse.urlencode({"address": host.host, "fp": "not-a-fingerprint"})
    request = urllib.request.Request(
        f"http://127.0.0.1:{doctor.port}/api/diagnose?{query}", headers={DOCTOR_HEADER: "1"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        OPENER.open(request, timeout=20)
    assert refused.value.code == 400 and "fingerprint" in json.loads(refused.value.read())["error"]


def test_the_probe_joins_no_room_on_the_host(doctor, host):
    ask(doctor.port, host.host)
    with OPENER.open(f"{host.url}api/rooms", timeout=5) as response:
        assert json.loads(response.read())["rooms"] == []


def test_a_name_under_invalid_does_not_resolve_and_is_never_looked_up(doctor):
    status, body = ask(doctor.port, "pc-anna.invalid:8765")
    assert (status, body["outcome"], body["step"]) == (200, "name_unresolved", "resolve")


def test_a_port_nobody_listens_on_is_refused(doctor):
    status, body = ask(doctor.port, f"127.0.0.1:{free_port()}")
    assert status == 200
    assert (body["outcome"], body["step"]) == ("refused", "connect")


def test_a_page_speaking_a_newer_protocol_than_the_host_is_told_so(doctor, host):
    status, body = ask(doctor.port, host.host, v=3)
    assert status == 200
    assert (body["outcome"], body["step"], body["protocol"]) == ("protocol_unsupported", "protocol", 2)


def test_the_page_speaking_the_hosts_own_protocol_passes(doctor, host):
    assert ask(doctor.port, host.host, v=2)[1]["outcome"] == "ok"


def test_a_page_the_host_does_not_admit_is_named_as_origin_refused(doctor, host):
    # This machine's lanchat answers to a DNS name the user gave it; the other host does not
    # know that name, so a page opened under it may not chat there.
    status, body = ask(doctor.port, host.host, headers={"Host": f"chat.home.arpa:{doctor.port}"})
    assert (status, body["outcome"], body["step"]) == (200, "origin_refused", "upgrade"), body
    assert "chat.home.arpa" in body["detail"]


def test_a_web_server_that_is_not_lanchat_is_named_as_such(doctor, stand_in_tls):
    def not_found(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n")

    with listener(not_found, stand_in_tls) as port:
        status, body = ask(doctor.port, f"127.0.0.1:{port}")
    assert (status, body["outcome"], body["step"]) == (200, "not_lanchat", "health")
    assert "404" in body["detail"] and "nginx" in body["detail"]


def test_a_server_that_does_not_speak_tls_is_named_at_the_handshake(doctor):
    def ssh_banner(conn: socket.socket) -> None:
        with conn:
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
            conn.recv(65536)

    with listener(ssh_banner) as port:
        body = ask(doctor.port, f"127.0.0.1:{port}")[1]
    assert (body["outcome"], body["step"]) == ("not_tls", "tls"), body


def test_a_tls_server_that_does_not_speak_http_is_not_lanchat(doctor, stand_in_tls):
    def banner(conn: socket.socket) -> None:
        with conn:
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")

    with listener(banner, stand_in_tls) as port:
        body = ask(doctor.port, f"127.0.0.1:{port}")[1]
    assert (body["outcome"], body["step"]) == ("not_lanchat", "health"), body


def test_a_proxy_that_passes_http_but_not_websockets_is_named_as_blocking_the_upgrade(
    doctor, host, stand_in_tls
):
    # It terminates TLS with a key of its own (the page pinned none) and asks lanchat on loopback.
    def proxy(conn: socket.socket) -> None:
        with conn:
            head = conn.recv(65536)
            if b"upgrade: websocket" in head.lower():
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with socket.create_connection(("127.0.0.1", host.port), timeout=5) as upstream:
                upstream.sendall(head)
                while chunk := upstream.recv(65536):
                    conn.sendall(chunk)

    with listener(proxy, stand_in_tls) as port:
        body = ask(doctor.port, f"127.0.0.1:{port}")[1]
    assert (body["outcome"], body["step"]) == ("upgrade_blocked", "upgrade"), body
    assert "502" in body["detail"]


@pytest.mark.serial
def test_one_check_runs_at_a_time_and_the_next_is_answered_after_it(doctor, host, stand_in_tls):
    accepted = threading.Event()

    def silent(conn: socket.socket) -> None:
        accepted.set()  # connects, then never answers: the health step waits out its timeout
        conn.recv(65536)
        threading.Event().wait(ANSWER_TIMEOUT_SECONDS + 2)
        conn.close()

    with listener(silent, stand_in_tls) as port:
        first: list = []
        running = threading.Thread(target=lambda: first.append(ask(doctor.port, f"127.0.0.1:{port}")))
        running.start()
        assert accepted.wait(10)
        status, body = ask(doctor.port, host.host)
        assert status == 429, body
        running.join(20)
    assert first[0][1]["outcome"] == "not_lanchat"  # no answer within ANSWER_TIMEOUT_SECONDS
    assert ask(doctor.port, host.host)[1]["outcome"] == "ok"


@pytest.mark.parametrize(
    "headers",
    [
        {DOCTOR_HEADER: ""},  # a plain GET (an <img>, a no-cors fetch) cannot set the header
        {"Origin": "http://192.168.1.20:8765"},  # a LAN page open in this machine's browser
        {"Origin": "https://evil.example"},
    ],
)
def test_the_doctor_answers_only_this_machines_own_page_asking_on_purpose(doctor, host, headers):
    status, body = ask(doctor.port, host.host, headers=headers)
    assert status == 403, body


def test_a_loopback_page_of_another_origin_may_ask(doctor, host):
    # The desktop window: its page comes from pywebview's server on another loopback port.
    status, body = ask(doctor.port, host.host, headers={"Origin": "http://127.0.0.1:41234"})
    assert (status, body["outcome"]) == (200, "ok")


@pytest.mark.parametrize("address", ["", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "a b:80"])
def test_an_address_that_is_not_host_and_port_is_refused_with_why(doctor, address):
    status, body = ask(doctor.port, address)
    assert status == 400 and body["error"]


def test_the_windows_page_may_send_the_doctors_header_across_origins(doctor):
    # The window's page is pywebview's, on another loopback port: its fetch is preflighted.
    request = urllib.request.Request(
        f"http://127.0.0.1:{doctor.port}/api/diagnose?address=127.0.0.1:1",
        method="OPTIONS",
        headers={
            "Origin": "http://127.0.0.1:41234",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": DOCTOR_HEADER,
        },
    )
    with OPENER.open(request, timeout=5) as response:
        assert response.status == 200
        assert DOCTOR_HEADER in response.headers["access-control-allow-headers"].lower()
        assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:41234"


def health_answer(total_bytes: int) -> bytes:
    """A lanchat-shaped /api/health answer, padded to exactly `total_bytes`."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    body = b'{"status": "ok", "protocol": 2, "pad": "'
    tail = b'"}'
    return head + body + b"x" * (total_bytes - len(head) - len(body) - len(tail)) + tail


@pytest.mark.parametrize(
    ("size", "outcome"),
    [(MAX_ANSWER_BYTES, "upgrade_blocked"), (MAX_ANSWER_BYTES + 1, "not_lanchat")],
    ids=["at-the-cap-read-whole", "one-byte-over-cut"],
)
def test_a_health_answer_is_read_up_to_max_answer_bytes_and_no_further(doctor, stand_in_tls, size, outcome):
    def answer(conn: socket.socket) -> None:
        with conn:
            head = conn.recv(65536)
            if b"upgrade: websocket" in head.lower():
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            else:
                conn.sendall(health_answer(size))

    with listener(answer, stand_in_tls) as port:
        body = ask(doctor.port, f"127.0.0.1:{port}")[1]
    assert body["outcome"] == outcome, body


@pytest.mark.parametrize(("length", "status"), [(MAX_HOST_CHARS, 200), (MAX_HOST_CHARS + 1, 400)])
def test_a_host_name_is_at_most_max_host_chars(doctor, length, status):
    # Under .invalid, so even the accepted one is never looked up.
    name = "a" * (length - len(".invalid")) + ".invalid"
    answer_status, body = ask(doctor.port, f"{name}:8765")
    assert answer_status == status, body


def test_a_room_socket_connection_meeting_another_key_than_the_health_check_hears_nothing(doctor, tmp_path):
    """A proxy that answers the health check with one key and the room socket with another: the
    socket is pinned to the key the first connection showed, so it stops before the upgrade."""
    keys = [serving_context(tmp_path / "first"), serving_context(tmp_path / "second")]
    heard: list[bytes] = []
    connections = 0

    def answer(conn: socket.socket) -> None:
        nonlocal connections
        connections += 1
        try:
            tls = keys[min(connections, 2) - 1].wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()
            return
        with tls:
            tls.settimeout(ANSWER_TIMEOUT_SECONDS + 2)
            try:
                request = tls.recv(65536)
            except (OSError, ssl.SSLError):
                request = b""
            if connections == 1:
                tls.sendall(health_answer(200))
            else:
                heard.append(request)

    with listener(answer) as port:
        body = ask(doctor.port, f"127.0.0.1:{port}")[1]
    assert (body["outcome"], body["step"]) == ("identity_changed", "identity"), body
    assert "room socket" in body["detail"]
    assert connections == 2
    assert not any(heard), "no byte of the upgrade request reached the second key"


def test_in_the_window_the_doctor_holds_a_host_to_the_windows_pin_before_any_link(host, tmp_path):
    pins = PinStore(tmp_path / "window")
    trusted_before = identity_in(tmp_path / "the-key-trusted-before").fingerprint
    pins.trust(host.host, trusted_before, verified=False)
    window_server = ServerThread(
        ServerConfig(host="127.0.0.1", port=0, data_dir=tmp_path / "window", ui_dir=tmp_path / "no-ui"), pins
    )
    window_server.bind()
    window_server.start()
    try:
        assert window_server.port is not None
        # Asked with no fingerprint, or with a link naming the key the host does hold: the pin decides.
        for fp in (None, host_fingerprint(host.data_dir)):
            status, body = ask(window_server.port, host.host, fp=fp)
            assert (status, body["outcome"], body["step"]) == (200, "identity_changed", "identity"), body
            assert body["expected_safety_code"] == safety_code(trusted_before)
            assert body["expected_from"] == "pin"  # the page words it "the one you trusted before"
        # A host it holds no pin for is checked as before.
        status, body = ask(window_server.port, host.host.replace("127.0.0.1", "localhost"))
        assert (status, body["outcome"]) == (200, "ok"), body
    finally:
        window_server.stop()
