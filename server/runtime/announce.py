"""`lanchat serve --announce / --browse`: the flags and the announcing around the server's life."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from server.peers.directory import parse_host_port
from server.peers.discovery import DISCOVERY_ENV, discovery_enabled
from server.peers.local_addresses import lan_addresses

if TYPE_CHECKING:
    from server.config import ServerConfig
    from server.runtime.runner import ServerThread

__all__ = [
    "add_discovery_arguments",
    "start_announcing",
    "stop_announcing",
]

# How long a goodbye may take before the server stops regardless.
WITHDRAW_TIMEOUT_SECONDS = 5.0


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
    parser.add_argument(
        "--known-host",
        action="append",
        default=[],
        type=known_host,
        metavar="ADDRESS:PORT",
        help="with --browse, also list this lanchat host (when it answers), though it is not heard"
        " on this network (another subnet); repeatable",
    )


def known_host(text: str) -> tuple[str, int]:
    try:
        return parse_host_port(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def announce_addresses(host: str) -> list[str]:
    """The interfaces the server listens on, as peers could reach them (never loopback)."""
    if host in ("0.0.0.0", ""):
        return lan_addresses()
    if host.startswith("127.") or ":" in host:
        return []  # loopback (or IPv6, not announced yet): nobody else could connect
    return [host]


def start_announcing(server: ServerThread, config: ServerConfig) -> str | None:
    """Announce as `config` asks; the instance name in use, or None (and why, on stderr)."""
    if not config.announce:
        return None
    if not discovery_enabled():
        print(f"lanchat: not announcing: discovery is off ({DISCOVERY_ENV}=off)", file=sys.stderr, flush=True)
        return None
    addresses = announce_addresses(config.host)
    if not addresses or server.port is None:
        print(f"lanchat: not announcing: {config.host} is not reachable from the network", file=sys.stderr)
        return None
    assert server.app is not None  # running
    # Listening on every interface: the announcement follows the machine's addresses as they change.
    follow = lan_addresses if config.host in ("0.0.0.0", "") else None
    try:
        registered = server.run_on_loop(
            server.app.discovery.announce(config.display_name, server.port, addresses, follow)
        )
    except OSError as exc:
        print(f"lanchat: cannot announce: {exc}", file=sys.stderr, flush=True)
        return None
    print(f"announcing as {registered} on {', '.join(addresses)}", flush=True)
    return registered


def stop_announcing(server: ServerThread, registered: str | None) -> None:
    """Say goodbye before the server stops (its shutdown would too, but may be cut short)."""
    if registered is not None and server.app is not None:
        server.run_on_loop(server.app.discovery.withdraw(), WITHDRAW_TIMEOUT_SECONDS)
