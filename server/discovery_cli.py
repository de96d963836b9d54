"""`lanchat serve --announce / --browse`: the flags and the announcing around the server's life."""

from __future__ import annotations

import argparse
import socket
import sys
from typing import TYPE_CHECKING

from .discovery import DISCOVERY_ENV, Announcer, discovery_enabled
from .netinfo import lan_addresses

if TYPE_CHECKING:
    from .config import ServerConfig
    from .runner import ServerThread

__all__ = ["add_discovery_arguments", "defaults_name", "start_announcing", "stop_announcing"]

# How long a goodbye may take before the server stops regardless.
WITHDRAW_TIMEOUT_SECONDS = 5.0


def defaults_name() -> str:
    return socket.gethostname()


def add_discovery_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--announce",
        action="store_true",
        help=f"announce this host on the network (mDNS) so others find it; {DISCOVERY_ENV}=off forbids it",
    )
    parser.add_argument(
        "--browse",
        action="store_true",
        help="look for other lanchat hosts; this machine reads them at /api/discovered",
    )
    parser.add_argument("--name", default=None, help="the name others see when they find this host")


def announce_addresses(host: str) -> list[str]:
    """The interfaces the server listens on, as peers could reach them (never loopback)."""
    if host in ("0.0.0.0", ""):
        return lan_addresses()
    if host.startswith("127.") or ":" in host:
        return []  # loopback (or IPv6, not announced yet): nobody else could connect
    return [host]


def start_announcing(server: ServerThread, config: ServerConfig) -> Announcer | None:
    if not config.announce:
        return None
    if not discovery_enabled():
        print(f"lanchat: not announcing: discovery is off ({DISCOVERY_ENV}=off)", file=sys.stderr, flush=True)
        return None
    addresses = announce_addresses(config.host)
    if not addresses or server.port is None:
        print(f"lanchat: not announcing: {config.host} is not reachable from the network", file=sys.stderr)
        return None
    announcer = Announcer(config.display_name, server.port, addresses)
    try:
        server.run_on_loop(announcer.start())
    except OSError as exc:
        print(f"lanchat: cannot announce: {exc}", file=sys.stderr, flush=True)
        return None
    print(f"announcing as {announcer.registered_name} on {', '.join(addresses)}", flush=True)
    return announcer


def stop_announcing(server: ServerThread, announcer: Announcer | None) -> None:
    if announcer is not None:
        server.run_on_loop(announcer.stop(), WITHDRAW_TIMEOUT_SECONDS)
