"""This host's TLS identity: made once, what strict verifiers ask for, renewed without a new key,
and a real TLS 1.3 handshake that a pinning client accepts (and one with another key it refuses)."""

from __future__ import annotations

import datetime
import socket
import ssl
import stat
import threading

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from server.tls.host_identity import (
    CERT_FILE,
    CERT_VALIDITY_DAYS,
    KEY_FILE,
    RENEW_BEFORE_DAYS,
    HostIdentityError,
    from_files,
    load_or_create,
    spki_fingerprint,
)
from server.tls.safety_code import fingerprint_from_link, fingerprint_in_link, safety_code

NOW = datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC)


def certificate(folder) -> x509.Certificate:
    return x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())


def test_the_identity_is_made_once_private_and_names_every_address(tmp_path):
    identity = load_or_create(tmp_path, ["10.0.0.5", "fd00::5", "kitchen.local"], NOW)
    for name in (KEY_FILE, CERT_FILE):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    cert = certificate(tmp_path)
    alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(ip) for ip in alt.get_values_for_type(x509.IPAddress)} == {
        "127.0.0.1",
        "::1",
        "10.0.0.5",
        "fd00::5",
    }
    assert set(alt.get_values_for_type(x509.DNSName)) == {"localhost", "kitchen.local"}
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= datetime.timedelta(days=CERT_VALIDITY_DAYS)
    assert identity.fingerprint == spki_fingerprint(cert)
    assert load_or_create(tmp_path, ["10.0.0.5"], NOW).fingerprint == identity.fingerprint  # kept


def test_the_certificate_has_what_strict_verifiers_ask_for(tmp_path):
    load_or_create(tmp_path, ["10.0.0.5"], NOW)
    extensions = certificate(tmp_path).extensions
    basic = extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca is False
    usage = extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    eku = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    ski = extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest


def test_renewal_keeps_the_key_so_pins_survive_it(tmp_path):
    first = load_or_create(tmp_path, ["10.0.0.5"], NOW)
    serial = certificate(tmp_path).serial_number
    near_the_end = NOW + datetime.timedelta(days=CERT_VALIDITY_DAYS - RENEW_BEFORE_DAYS + 1)
    renewed = load_or_create(tmp_path, ["10.0.0.5"], near_the_end)
    assert renewed.fingerprint == first.fingerprint and certificate(tmp_path).serial_number != serial
    moved = load_or_create(tmp_path, ["10.0.0.5", "192.168.1.20"], near_the_end)  # a new address
    assert moved.fingerprint == first.fingerprint
    assert "192.168.1.20" in str(certificate(tmp_path).extensions)


def test_given_files_must_belong_together(tmp_path):
    load_or_create(tmp_path / "a", [], NOW)
    load_or_create(tmp_path / "b", [], NOW)
    assert from_files(tmp_path / "a" / CERT_FILE, tmp_path / "a" / KEY_FILE).fingerprint
    with pytest.raises(HostIdentityError, match="is not the one of the certificate"):
        from_files(tmp_path / "a" / CERT_FILE, tmp_path / "b" / KEY_FILE)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / KEY_FILE).write_text("not a key")
    with pytest.raises(HostIdentityError, match="cannot be read"):
        load_or_create(tmp_path / "c", [], NOW)


def _serve_once(identity, port_ready: list[int]) -> threading.Thread:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(identity.cert_path, identity.key_path)
    listener = socket.create_server(("127.0.0.1", 0))
    port_ready.append(listener.getsockname()[1])

    def serve() -> None:
        with listener, listener.accept()[0] as raw:
            try:
                with context.wrap_socket(raw, server_side=True) as tls:
                    tls.sendall(b"hello")
            except (ssl.SSLError, OSError):
                pass  # the client refused us: that is the test

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def _pinned_client(pinned_cert: x509.Certificate) -> ssl.SSLContext:
    # The certificate itself is the only trust anchor, checked strictly, during the handshake.
    from cryptography.hazmat.primitives import serialization

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.load_verify_locations(cadata=pinned_cert.public_bytes(serialization.Encoding.DER))
    return context


def test_a_strict_client_pinned_on_the_certificate_completes_a_tls_1_3_handshake_and_another_key_fails(
    tmp_path,
):
    identity = load_or_create(tmp_path / "host", [], NOW.replace(year=datetime.datetime.now().year))
    impostor = load_or_create(tmp_path / "impostor", [], NOW.replace(year=datetime.datetime.now().year))
    client = _pinned_client(certificate(tmp_path / "host"))
    for serving, works in ((identity, True), (impostor, False)):
        port: list[int] = []
        thread = _serve_once(serving, port)
        with socket.create_connection(("127.0.0.1", port[0])) as raw:
            if works:
                with client.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                    assert tls.version() == "TLSv1.3" and tls.recv(5) == b"hello"
            else:
                with pytest.raises(ssl.SSLCertVerificationError):
                    client.wrap_socket(raw, server_hostname="127.0.0.1")
        thread.join(5)


def test_the_safety_code_is_25_digits_of_the_whole_fingerprint_and_links_carry_all_of_it():
    fingerprint = bytes(range(32))
    code = safety_code(fingerprint)
    assert len(code.replace(" ", "")) == 25 and code.replace(" ", "").isdigit() and code.count(" ") == 4
    assert safety_code(bytes([1]) + fingerprint[1:]) != code
    assert fingerprint_from_link(fingerprint_in_link(fingerprint)) == fingerprint
    for bad in ("", "abc", fingerprint_in_link(fingerprint)[:-1], fingerprint_in_link(fingerprint) + "A"):
        with pytest.raises(ValueError):
            fingerprint_from_link(bad)
