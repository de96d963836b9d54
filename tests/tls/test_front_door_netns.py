"""The front door seen from another machine: `lanchat serve --host 0.0.0.0` in one network
namespace (10.216.0.1), a client in another (10.216.0.2), joined by a veth pair.

From the network only TLS reaches the app: a browser that types the address (plain http://) is
sent on to https on the same port and path, a plain WebSocket or POST is told in a sentence to use
wss/https, and nothing of the app (rooms, history, search) answers in the clear, unless the host
allows plain HTTP. A connection that says nothing, or a head that never ends, is closed. A
certificate the host was given (--tls-cert/--tls-key) is served as it is, and a key that is not
the certificate's stops `lanchat serve` with a sentence.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.runtime.front_door import MAX_PLAIN_HEAD_BYTES
from server.tls.host_identity import spki_fingerprint
from server.tls.safety_code import fingerprint_in_link
from tests.support.netns import chat, fetch, fetch_json, network, run_in
from tests.support.server_process import FROM_SOURCE, REPO_ROOT, ServeProcess
from tests.support.tls_hosts import host_fingerprint

pytestmark = [pytest.mark.process, pytest.mark.netns]

HOST, CLIENT = "10.216.0.1", "10.216.0.2"
ROOM, SECRET = "harbour-plans", "the boat leaves at nine"
# A short wait for a request's first bytes and head, so that the tests of silence take a second.
SHORT_HEAD_TIMEOUT = 1.0
# How long a client here waits for the host to close a connection it should close: far past any
# head timeout the tests give, so "still open" means the host never closed it.
CLIENT_PATIENCE_SECONDS = 20.0


@pytest.fixture
def namespaces() -> Iterator[tuple[str, str]]:
    with network(prefix="lcfdr") as net:
        host_ns, client_ns = net.namespace("h"), net.namespace("c")
        net.link(host_ns, HOST, client_ns, CLIENT, 24)
        yield host_ns, client_ns


@pytest.fixture
def serve_in(namespaces, tmp_path) -> Iterator[Callable[..., ServeProcess]]:
    """Start `lanchat serve --host 0.0.0.0` in the host's namespace with these extra flags."""
    host_ns, _ = namespaces
    started: list[ServeProcess] = []

    def start(*flags: str, data: Path | None = None) -> ServeProcess:
        command = ("ip", "netns", "exec", host_ns, *FROM_SOURCE)
        data = data or tmp_path / f"host-{len(started)}"
        process = ServeProcess(data, 0, ("--host", "0.0.0.0", *flags), command=command)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop(signal.SIGKILL)


# Sends argv[3] as it is (a request, or nothing) over plain TCP, then prints what came back until
# the host closed the connection, or "<still open>" when it did not within the client's patience.
RAW = """
import json, socket, sys
host, port, request, patience = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
with socket.create_connection((host, port), timeout=patience) as sock:
    sock.sendall(request.encode("latin-1"))
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
        answer += b"<closed>"
    except ConnectionResetError:
        answer += b"<closed>"
    except TimeoutError:
        answer += b"<still open>"
print(json.dumps(answer.decode("latin-1")))  # as JSON: the answer's CR LF kept as they came
"""

# Sends a request head one byte at a time, 0.1 s apart, never ending it; prints how many bytes
# went before the host closed the connection and the status line it said, or "still open".
TRICKLE = """
import select, socket, sys, time
host, port, patience = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
head = b"GET / HTTP/1.1\\r\\nHost: " + host.encode() + b"\\r\\nX-Slow: " + b"a" * 10_000
answer = b""
with socket.create_connection((host, port), timeout=patience) as sock:
    until = time.monotonic() + patience
    for sent, byte in enumerate(head):
        if time.monotonic() > until:
            break
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            print(f"closed after {sent}"); sys.exit()
        if select.select([sock], [], [], 0.1)[0]:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                data = b""
            answer += data
            if not data:
                status = answer.partition(b"\\r\\n")[0].decode()
                print(f"closed after {sent + 1}: {status}"); sys.exit()
    print("still open")
"""


def raw(client_ns: str, port: int, request: str) -> str:
    answer: str = json.loads(
        run_in(client_ns, RAW, HOST, str(port), request, str(CLIENT_PATIENCE_SECONDS), timeout=60)
    )
    return answer


def page_request(path: str, method: str = "GET", extra: str = "") -> str:
    """What a browser sends for a typed address (no scheme: http://), with its usual headers."""
    return (
        f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{{port}}\r\n"
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0\r\n"
        "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\nAccept-Language: ru-RU,ru;q=0.9\r\n"
        f"Upgrade-Insecure-Requests: 1\r\n{extra}\r\n"
    )


def ask(client_ns: str, port: int, template: str) -> tuple[str, dict[str, str], str]:
    """(status line, headers, body) of a plain request from the client's namespace."""
    answer = raw(client_ns, port, template.replace("{port}", str(port)))
    head, _, body = answer.partition("\r\n\r\n")
    status, *lines = head.split("\r\n")
    headers = {
        name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)
    }
    return status, headers, body.removesuffix("<closed>")


def a_room_with_history(host_ns: str, server: ServeProcess) -> None:
    """A room with a message, made on the host's own machine (loopback)."""
    assert chat(host_ns, "127.0.0.1", server.port, ROOM, SECRET)["text"] == SECRET


def test_a_browser_typing_the_address_is_sent_to_https_on_the_same_port_and_path(namespaces, serve_in):
    _, client_ns = namespaces
    server = serve_in()
    for path in ("/", "/?room=harbour#fp=x", "/api/rooms?limit=5"):
        status, headers, body = ask(client_ns, server.port, page_request(path.split("#")[0]))
        target = f"https://{HOST}:{server.port}{path.split('#')[0]}"
        assert status == "HTTP/1.1 307 Temporary Redirect", (path, status)
        assert headers["location"] == target
        assert target in body


@pytest.mark.parametrize(
    ("request_template", "url"),
    [
        (
            page_request(
                "/ws/general?v=2",
                extra="Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
            ),
            "wss://{host}/ws/general?v=2",
        ),
        (
            page_request(
                "/files/general", method="POST", extra="Content-Length: 0\r\nTus-Resumable: 1.0.0\r\n"
            ),
            "https://{host}/files/general",
        ),
    ],
    ids=["websocket", "post"],
)
def test_a_plain_websocket_or_post_from_the_network_is_told_to_use_wss_or_https(
    namespaces, serve_in, request_template, url
):
    _, client_ns = namespaces
    server = serve_in()
    status, _, body = ask(client_ns, server.port, request_template)
    expected = url.format(host=f"{HOST}:{server.port}")
    assert status == "HTTP/1.1 403 Forbidden"
    assert body == f"This lanchat host only takes encrypted connections from the network: {expected}\n"


def test_nothing_of_the_app_answers_in_the_clear_to_the_network(namespaces, serve_in):
    host_ns, client_ns = namespaces
    server = serve_in()
    a_room_with_history(host_ns, server)
    for path in ("/api/rooms", f"/api/rooms/{ROOM}/messages", "/api/search?q=boat", "/api/health", "/"):
        for template in (page_request(path), page_request(path).replace("Accept: text/html", "Accept: */*")):
            status, _, body = ask(client_ns, server.port, template)
            assert status.split(" ")[1] in ("307", "403"), (path, status)
            # Only the address to go to (the path the client itself sent); no list, no history, no page.
            assert SECRET not in body and '"rooms"' not in body and '"messages"' not in body, body
            assert "<html" not in body.lower(), body


def test_over_tls_the_network_reaches_the_rooms_and_their_history(namespaces, serve_in):
    host_ns, client_ns = namespaces
    server = serve_in()
    a_room_with_history(host_ns, server)
    fingerprint = host_fingerprint(server.data_dir)
    base = f"https://{HOST}:{server.port}"
    assert ROOM in [room["name"] for room in fetch_json(client_ns, f"{base}/api/rooms", fingerprint)["rooms"]]
    history = fetch_json(client_ns, f"{base}/api/rooms/{ROOM}/messages", fingerprint)["messages"]
    assert SECRET in [message["text"] for message in history]
    assert chat(client_ns, HOST, server.port, ROOM, "and back", fingerprint)["text"] == "and back"
    # The address the host prints for the network carries the same fingerprint.
    assert f"#fp={fingerprint_in_link(fingerprint)}" in "\n".join(server.output)


def test_with_allow_plain_http_the_network_is_served_in_the_clear(namespaces, serve_in):
    host_ns, client_ns = namespaces
    server = serve_in("--allow-plain-http")
    a_room_with_history(host_ns, server)
    status, body = fetch(client_ns, f"http://{HOST}:{server.port}/api/rooms")
    assert status == 200 and ROOM in [room["name"] for room in json.loads(body)["rooms"]]
    status, _, body = ask(client_ns, server.port, page_request("/"))
    assert status == "HTTP/1.1 200 OK" and "<html" in body.lower()  # the page, not a redirect


def test_a_connection_that_says_nothing_gets_408_and_is_closed_after_the_head_timeout(namespaces, serve_in):
    _, client_ns = namespaces
    server = serve_in("--request-head-timeout", str(SHORT_HEAD_TIMEOUT))
    answer = raw(client_ns, server.port, "")
    assert answer.startswith("HTTP/1.1 408 Request Timeout") and answer.endswith("<closed>"), answer


def test_a_plain_head_that_never_ends_is_closed_after_the_head_timeout(namespaces, serve_in):
    _, client_ns = namespaces
    server = serve_in("--request-head-timeout", str(SHORT_HEAD_TIMEOUT))
    said = run_in(
        client_ns, TRICKLE, HOST, str(server.port), str(CLIENT_PATIENCE_SECONDS), timeout=60
    ).strip()
    assert said.startswith("closed after") and said.endswith("HTTP/1.1 408 Request Timeout"), said


def test_a_plain_head_of_max_plain_head_bytes_is_answered_and_one_byte_more_unended_is_closed(
    namespaces, serve_in
):
    _, client_ns = namespaces
    # The default head timeout is far longer than the client's patience is not: a close the
    # client sees here is the size's, not the clock's.
    server = serve_in("--request-head-timeout", str(CLIENT_PATIENCE_SECONDS * 3))
    head = page_request("/").replace("{port}", str(server.port))
    filler = "X-Filler: "
    padding = MAX_PLAIN_HEAD_BYTES - len(head) - len(filler) - len("\r\n")
    at_limit = head.removesuffix("\r\n") + filler + "a" * padding + "\r\n\r\n"
    assert len(at_limit) == MAX_PLAIN_HEAD_BYTES
    answer = raw(client_ns, server.port, at_limit)
    assert answer.startswith("HTTP/1.1 307"), answer[:80]
    unended = head.removesuffix("\r\n") + filler
    unended += "a" * (MAX_PLAIN_HEAD_BYTES + 1 - len(unended))
    assert len(unended) == MAX_PLAIN_HEAD_BYTES + 1 and "\r\n\r\n" not in unended
    assert raw(client_ns, server.port, unended) == "<closed>"


# Verifies the host's certificate as a strict client does (CA, names, dates), from the network.
STRICT = """
import json, socket, ssl, sys
host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
context = ssl.create_default_context(cafile=ca)
with socket.create_connection((host, port), timeout=10) as raw:
    with context.wrap_socket(raw, server_hostname=host) as tls:
        head = f"GET /api/identity HTTP/1.1\\r\\nHost: {host}:{port}\\r\\nConnection: close\\r\\n\\r\\n"
        tls.sendall(head.encode())
        version = tls.version()
        answer = b""
        while chunk := tls.recv(65536):
            answer += chunk
print(json.dumps({"version": version, "identity": json.loads(answer.partition(b"\\r\\n\\r\\n")[2])}))
"""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def an_organisations_certificate(folder: Path) -> tuple[Path, Path, Path, bytes]:
    """A test CA and a server certificate it signed for HOST (what an organisation would hand
    out): (CA file, certificate file, key file, the certificate's fingerprint)."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Test Organisation CA"))
        .issuer_name(_name("Test Organisation CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("chat.example.org"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("chat.example.org"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "chat.pem", folder / "chat-key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_file.chmod(0o600)
    return ca_file, cert_file, key_file, spki_fingerprint(certificate)


def test_a_certificate_the_host_was_given_is_served_and_verifies_against_its_ca(
    namespaces, serve_in, tmp_path
):
    _, client_ns = namespaces
    ca_file, cert_file, key_file, fingerprint = an_organisations_certificate(tmp_path / "org")
    server = serve_in("--tls-cert", str(cert_file), "--tls-key", str(key_file))
    seen = json.loads(run_in(client_ns, STRICT, HOST, str(server.port), str(ca_file)))
    assert seen["version"] == "TLSv1.3"
    assert seen["identity"]["fingerprint"] == fingerprint_in_link(fingerprint)
    assert seen["identity"]["encrypted"] is True
    # lanchat's own clients pin the same key.
    assert fetch_json(client_ns, f"https://{HOST}:{server.port}/api/health", fingerprint)["status"] == "ok"


def test_a_key_that_is_not_the_certificates_stops_lanchat_serve_with_a_sentence(tmp_path):
    _, cert_file, _, _ = an_organisations_certificate(tmp_path / "org")
    _, _, other_key, _ = an_organisations_certificate(tmp_path / "other")
    result = subprocess.run(
        [
            *FROM_SOURCE,
            "--port",
            "0",
            "--data",
            str(tmp_path / "data"),
            "--tls-cert",
            str(cert_file),
            "--tls-key",
            str(other_key),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"the key in {other_key} is not the one of the certificate in {cert_file}" in result.stderr
    assert "serving at" not in result.stdout
