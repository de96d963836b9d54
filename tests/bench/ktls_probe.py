"""Can this machine send a download with kernel TLS? Says which step fails, if one does.

    .venv/bin/python tests/bench/ktls_probe.py

Kernel TLS would take a TLS download's copies out of the server (OpenSSL hands the session's
keys to the kernel after the handshake, and `sendfile` then encrypts from the page cache). It
needs, in order: the kernel's `tls` upper-layer protocol (CONFIG_TLS, built in or the `tls`
module), OpenSSL built with it and asked for it (SSL_OP_ENABLE_KTLS; Python 3.11's `ssl` has no
name for the bit, but takes it in `SSLContext.options`), and a socket OpenSSL owns: a blocking
`SSLSocket`, not asyncio's memory-BIO TLS protocol, which never gives OpenSSL the socket. This
probe makes a TLS 1.3 connection on loopback with the host's own certificate and the bit set,
then asks the kernel whether the sending side is kernel TLS (getsockopt SOL_TLS/TLS_TX).
"""

from __future__ import annotations

import os
import socket
import ssl
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.tls.contexts import client_context, server_context
from server.tls.host_identity import load_or_create

OP_ENABLE_KTLS = 1 << 3  # SSL_OP_ENABLE_KTLS, OpenSSL 3.0's include/openssl/ssl.h
SOL_TLS, TLS_TX = 282, 1  # linux/tls.h
TCP_ULP = 31  # linux/tcp.h: the upper-layer protocol a socket runs ("tls" for kernel TLS)
HOST = "127.0.0.1"


def available_upper_layers() -> str:
    try:
        return Path("/proc/sys/net/ipv4/tcp_available_ulp").read_text().strip() or "(none)"
    except OSError as error:
        return f"unreadable ({error})"


def sender_is_kernel_tls() -> tuple[str, str, str]:
    """(cipher suite, the socket's upper layer, what TLS_TX answered) of a fresh server socket
    that finished a handshake with SSL_OP_ENABLE_KTLS."""
    with tempfile.TemporaryDirectory() as folder:
        context = server_context(load_or_create(Path(folder), [HOST]))
    context.options |= OP_ENABLE_KTLS
    with socket.create_server((HOST, 0)) as listener:
        answer: list[tuple[str, str, str]] = []

        def serve() -> None:
            raw, _ = listener.accept()
            with context.wrap_socket(raw, server_side=True) as tls:
                suite = (tls.cipher() or ("?",))[0]
                upper = tls.getsockopt(socket.IPPROTO_TCP, TCP_ULP, 16).rstrip(b"\0").decode() or "(none)"
                try:
                    tls.getsockopt(SOL_TLS, TLS_TX, 64)
                    kernel = "yes: the kernel encrypts what this socket sends"
                except OSError as error:
                    kernel = f"no ({os.strerror(error.errno or 0)})"
                answer.append((suite, upper, kernel))
                tls.sendall(b"done")

        server = threading.Thread(target=serve)
        server.start()
        with client_context().wrap_socket(
            socket.create_connection(listener.getsockname()), server_hostname=HOST
        ) as c:
            c.recv(4)
        server.join(10)
    return answer[0]


def main() -> int:
    print(f"kernel {os.uname().release}, {ssl.OPENSSL_VERSION}")
    print(f"TCP upper-layer protocols the kernel offers: {available_upper_layers()}")
    print(f"/proc/net/tls_stat present: {Path('/proc/net/tls_stat').exists()}")
    suite, upper, kernel = sender_is_kernel_tls()
    print(f"TLS 1.3 with SSL_OP_ENABLE_KTLS: {suite}; the socket's upper layer: {upper}")
    print(f"kernel TLS sending: {kernel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
