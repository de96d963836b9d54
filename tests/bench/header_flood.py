"""Benchmark: one peer's huge request headers against `lanchat serve`, before and after the switch
to h11 with a 64 KiB cap on request heads (issue 12, item 2).

Run by hand from the repository root (about 30 s; talks to 127.0.0.1 and 127.0.0.2 only):

    .venv/bin/python tests/bench/header_flood.py                   # against 05dd5e1
    .venv/bin/python tests/bench/header_flood.py --against REV

"Before" is the commit given (default 05dd5e1, the last one on uvicorn's default httptools
parser, which buffers headers without a limit) in a temporary git worktree; "after" is this
checkout. For each, in a fresh `lanchat serve`:
- one client from 127.0.0.1 sends a 64 MiB header in 1 MiB writes, then ends the head; the time
  from its first byte to the server's answer (or its cutting the connection) is "time to refuse";
- meanwhile 127.0.0.2 asks GET /api/health every 50 ms; the slowest answer is "health delay";
- then 20 clients each send 16 MiB of one header and never end it; the server's RSS once they are
  done (or cut off) is "RSS after".
"""

from __future__ import annotations

import argparse
import socket
import threading
import time

from serve_checkout import REPO_ROOT, Serve, health_probe, temporary_checkout

MIB = 1024 * 1024
HUGE = 64 * MIB
UNTERMINATED = 16 * MIB
UNTERMINATED_CLIENTS = 20
SEND_LIMIT_SECONDS = 30.0
DEFAULT_BEFORE = "05dd5e1"
HEAD = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "


def send_header(
    port: int, size: int, terminate: bool, hold: threading.Event | None = None
) -> tuple[float, str]:
    """Seconds until the server answered or cut the connection, and what it did. Unterminated,
    the connection stays open until `hold` is set, as an attacker's would."""
    chunk = b"a" * MIB
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=SEND_LIMIT_SECONDS) as sock:
        try:
            sock.sendall(HEAD)
            sent = 0
            while sent < size and time.monotonic() - started < SEND_LIMIT_SECONDS:
                sock.sendall(chunk)
                sent += len(chunk)
            if not terminate:
                seconds = time.monotonic() - started
                if hold is not None:
                    hold.wait(SEND_LIMIT_SECONDS)
                return seconds, f"sent {sent // MIB} MiB, not cut off"
            sock.sendall(b"\r\n\r\n")
            answer = sock.recv(100)
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started, "cut off"
        except TimeoutError:
            return time.monotonic() - started, "no answer"
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
    return time.monotonic() - started, status


def wait_for_senders(server: Serve, senders: list[threading.Thread], hold: threading.Event) -> float:
    """The server's RSS once its memory stops growing (every sender has sent its 16 MiB and holds
    on, or was cut off), then lets the senders go."""
    deadline = time.monotonic() + SEND_LIMIT_SECONDS
    last = server.rss_mib()
    while time.monotonic() < deadline and any(sender.is_alive() for sender in senders):
        time.sleep(1.0)
        now = server.rss_mib()
        if abs(now - last) < 1.0:
            break
        last = now
    hold.set()
    return last


def measure(server: Serve) -> dict[str, float | str]:
    idle = min(health_probe(server.port, 10) or 10.0 for _ in range(5))
    delays: list[float] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            delays.append(health_probe(server.port, SEND_LIMIT_SECONDS) or SEND_LIMIT_SECONDS)
            time.sleep(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    seconds, answer = send_header(server.port, HUGE, terminate=True)
    done.set()
    prober.join()

    rss_start = server.rss_mib()
    results: list[tuple[float, str]] = []
    hold = threading.Event()

    def flood() -> None:
        results.append(send_header(server.port, UNTERMINATED, terminate=False, hold=hold))

    senders = [threading.Thread(target=flood) for _ in range(UNTERMINATED_CLIENTS)]
    for sender in senders:
        sender.start()
    rss_after = wait_for_senders(server, senders, hold)
    for sender in senders:
        sender.join()
    return {
        "64 MiB header: time to answer or refuse (s)": seconds,
        "its answer": answer,
        "health, idle (ms)": idle * 1000,
        "slowest health during it (ms)": max(delays) * 1000,
        "health delay during it (ms)": max(0.0, max(delays) - idle) * 1000,
        "RSS before the 20 x 16 MiB headers (MiB)": rss_start,
        "RSS with the 20 x 16 MiB headers open (MiB)": rss_after,
        "what the 16 MiB senders saw": ", ".join(sorted({what for _, what in results})),
    }


def shown(value: float | str) -> str:
    return value if isinstance(value, str) else f"{value:,.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", default=DEFAULT_BEFORE, metavar="REV", help="the commit to compare with")
    args = parser.parse_args()
    figures: dict[str, dict[str, float | str]] = {}
    with temporary_checkout(args.against) as before:
        for label, checkout in ((f"before ({args.against})", before), ("after", REPO_ROOT)):
            print(f"measuring {label} ...", flush=True)
            with Serve(checkout, label) as server:
                figures[label] = measure(server)
    before_label, after_label = figures
    rows = list(figures[before_label])
    width = max(len(row) for row in rows)
    print(f"\n{'':<{width}}  {before_label:>16}  {after_label:>16}  {'after / before':>14}")
    for row in rows:
        old, new = figures[before_label][row], figures[after_label][row]
        ratio = f"{new / old:.3g}x" if isinstance(old, float) and isinstance(new, float) and old > 0 else ""
        print(f"{row:<{width}}  {shown(old):>16}  {shown(new):>16}  {ratio:>14}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
