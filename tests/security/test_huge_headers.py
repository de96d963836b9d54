"""One peer's huge header is refused at once and does not stall anyone else."""

from __future__ import annotations

import socket
import threading
import time

import httpx

from server.runtime.runner import MAX_REQUEST_HEAD_BYTES

HUGE = 64 * 1024 * 1024


def send_huge_header(port: int, result: dict) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        sent = 0
        chunk = b"a" * (1024 * 1024)
        try:
            while sent < HUGE:
                sock.sendall(chunk)
                sent += len(chunk)
            sock.sendall(b"\r\n\r\n")
            answer = sock.recv(200)
        except (BrokenPipeError, ConnectionResetError):
            answer = b""
        result["answer"] = answer
        result["sent"] = sent
        result["seconds"] = time.monotonic() - started


def test_a_64_mib_header_is_refused_while_health_answers(serve_process):
    server = serve_process()
    result: dict = {}
    attacker = threading.Thread(target=send_huge_header, args=(server.port, result))
    attacker.start()
    time.sleep(0.2)
    health = httpx.get(server.url + "api/health", timeout=5.0)
    attacker.join(60)
    assert health.status_code == 200
    # Refused with 400 (or the connection cut) long before all 64 MiB were taken in.
    assert result["answer"] == b"" or result["answer"].startswith(b"HTTP/1.1 400"), result["answer"]
    assert result["sent"] < HUGE or result["answer"] != b"HTTP/1.1 200"
    assert result["seconds"] < 30


def test_a_head_just_under_the_limit_is_served(serve_process):
    server = serve_process()
    head = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Pad: "
    pad = MAX_REQUEST_HEAD_BYTES - len(head) - 4 - 64
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + b"a" * pad + b"\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
