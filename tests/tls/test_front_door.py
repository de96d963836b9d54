"""One port, two ways in: the real `lanchat serve` answers TLS and, from this machine, plain HTTP."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import urllib.request

import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from server.tls.contexts import client_context
from server.tls.host_identity import CERT_FILE, KEY_FILE, spki_fingerprint
from server.tls.safety_code import fingerprint_in_link, safety_code

TIMEOUT = 20


def https_json(server, path: str, context: ssl.SSLContext | None = None):
    url = f"https://127.0.0.1:{server.port}{path}"
    with urllib.request.urlopen(url, timeout=TIMEOUT, context=context or client_context()) as response:
        return json.load(response)


def plain_json(server, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=TIMEOUT) as response:
        return json.load(response)


def handshake(port: int, context: ssl.SSLContext, name: str | None = None) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    return context.wrap_socket(raw, server_hostname=name)


def test_the_same_port_serves_tls_and_plain_http_to_this_machine(server):
    assert https_json(server, "/api/health")["status"] == "ok"
    assert plain_json(server, "/api/health")["status"] == "ok"


def test_the_host_serves_its_own_identity_and_names_it(server):
    certificate = x509.load_pem_x509_certificate((server.data_dir / CERT_FILE).read_bytes())
    fingerprint = spki_fingerprint(certificate)
    with handshake(server.port, client_context()) as tls:
        served = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
        assert tls.version() == "TLSv1.3"
        assert tls.selected_alpn_protocol() == "http/1.1"
    assert spki_fingerprint(served) == fingerprint
    answer = https_json(server, "/api/identity")
    assert answer["certificate_sha256"] == served.fingerprint(hashes.SHA256()).hex()  # a viewer's
    assert answer["fingerprint"] == fingerprint_in_link(fingerprint)
    assert answer["safety_code"] == safety_code(fingerprint)
    assert answer["encrypted"] is True
    assert answer["plain_http_allowed"] is False
    for name in (CERT_FILE, KEY_FILE):
        assert (server.data_dir / name).stat().st_mode & 0o077 == 0


def test_a_strict_verifier_trusting_the_certificate_accepts_it(server):
    """The certificate carries what Python's default (strict) verification asks of a server's."""
    context = ssl.create_default_context(cafile=str(server.data_dir / CERT_FILE))
    for name in ("127.0.0.1", "localhost"):  # checked against the certificate's names
        with handshake(server.port, context, name) as tls:
            assert tls.version() == "TLSv1.3"


def test_tls_before_1_3_is_refused(server):
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    with pytest.raises(ssl.SSLError):
        handshake(server.port, old)
    # and the host goes on serving
    assert https_json(server, "/api/health")["status"] == "ok"


def test_a_seed_client_chats_over_wss_with_the_same_code(server):
    async def chat():
        url = f"wss://127.0.0.1:{server.port}/ws/general"
        async with (
            websockets.connect(url, ssl=client_context()) as anna,
            websockets.connect(url.replace("wss://", "ws://")) as boris,
        ):
            await anna.send(json.dumps({"text": "over TLS", "sender": "Anna", "room": "general"}))
            while True:
                frame = json.loads(await asyncio.wait_for(boris.recv(), TIMEOUT))
                if frame.get("text") == "over TLS":
                    return frame

    frame = asyncio.run(chat())
    assert {"text", "sender", "room", "timestamp"} <= frame.keys()


def test_the_identity_stays_across_restarts(serve_process, tmp_path):
    data = tmp_path / "kept"
    first = serve_process(data_dir=data)
    code = https_json(first, "/api/identity")["safety_code"]
    first.stop()
    second = serve_process(data_dir=data)
    assert https_json(second, "/api/identity")["safety_code"] == code
