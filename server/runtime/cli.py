"""`lanchat serve`: the room server alone, no window."""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import os
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from server.addresses import is_unspecified_host
from server.config import ServerConfig
from server.peers.local_addresses import lan_addresses
from server.protocol.limits import MAX_EDIT_WINDOW_HOURS
from server.protocol.refusals import Refused
from server.rooms.private import PasswordHash, hash_password
from server.rooms.validation import validate_room
from server.runtime.announce import add_discovery_arguments, start_announcing, stop_announcing
from server.runtime.runner import ServerStartError, ServerThread
from server.storage.database_url import describe_database, is_postgres_url
from server.storage.engines import open_history
from server.storage.history import StorageFailed
from server.storage.private_files import keep_this_process_private

__all__ = [
    "DATABASE_URL_ENV",
    "ROOM_PASSWORD_ENV",
    "add_serve_arguments",
    "cluster_database",
    "config_from_args",
    "serve",
]

# Where `--private-room NAME` takes its password: never the command line, which `ps` shows everyone.
ROOM_PASSWORD_ENV = "LANCHAT_ROOM_PASSWORD"
# The PostgreSQL address when --database is not given: a URL with a password belongs here (or in
# ~/.pgpass), not on the command line.
DATABASE_URL_ENV = "LANCHAT_DATABASE_URL"

# Every flag's default is ServerConfig's (or its limits'), in the flag's unit: the size flags count
# mebibytes and --edit-window-hours hours, where the config counts bytes and seconds.
MIB = 2**20
HOUR = 3600


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ServerConfig()
    _add_listening_arguments(parser, defaults)
    _add_storage_arguments(parser, defaults)
    _add_timing_arguments(parser, defaults)
    parser.add_argument(
        "--private-room",
        action="append",
        default=[],
        metavar="NAME[=FILE]",
        help=f"make room NAME private, with the password in FILE (its first line) or, without =FILE,"
        f" in the {ROOM_PASSWORD_ENV} environment variable; repeatable",
    )
    add_discovery_arguments(parser)

    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests addressed to NAME (a DNS name for this machine); repeatable",
    )


def _add_listening_arguments(parser: argparse.ArgumentParser, defaults: ServerConfig) -> None:
    parser.add_argument(
        "--host",
        default=defaults.host,
        help="address to listen on (default: %(default)s, this machine only; 0.0.0.0 hosts on the network)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=defaults.port,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder for the message history (default: {defaults.data_dir})",
    )
    parser.add_argument(
        "--tls-cert",
        type=Path,
        default=defaults.tls_cert,
        metavar="FILE",
        help="serve the network with this certificate (PEM; e.g. your organisation's, which browsers"
        " trust) instead of the host identity lanchat makes; needs --tls-key",
    )
    parser.add_argument(
        "--tls-key",
        type=Path,
        default=defaults.tls_key,
        metavar="FILE",
        help="the private key (PEM, unencrypted) of --tls-cert",
    )
    parser.add_argument(
        "--allow-plain-http",
        action="store_true",
        default=defaults.allow_plain_http,
        help="also let browsers on the network join without encryption (http://); passwords, identities,"
        " private rooms and direct conversations still need https (default: off)",
    )
    parser.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        type=proxy_address,
        metavar="ADDRESS",
        help="a reverse proxy in front of this server (an address, or a network like 10.0.0.0/24),"
        " repeatable: a connection from it is the client its X-Forwarded-For header names, so bans,"
        " lockouts and limits per address see the real client (default: none; every address is the"
        " client)",
    )
    parser.add_argument(
        "--ping-interval",
        type=float,
        default=defaults.ping_interval,
        metavar="SECONDS",
        help="how often to ping each connection to notice ones that vanished (default: %(default)s)",
    )
    parser.add_argument(
        "--ping-timeout",
        type=float,
        default=defaults.ping_timeout,
        metavar="SECONDS",
        help="how long a ping may go unanswered before the connection is dropped (default: %(default)s)",
    )


def _add_storage_arguments(parser: argparse.ArgumentParser, defaults: ServerConfig) -> None:
    """Where the history is kept, how much it and the files may take, how long messages stay editable."""
    parser.add_argument(
        "--database",
        default=defaults.database_url,
        metavar="URL",
        help="keep the history in this PostgreSQL database (postgresql://user@host:port/name), which"
        f" several servers may share; also {DATABASE_URL_ENV} (default: the SQLite file in --data)",
    )
    parser.add_argument(
        "--files-dir",
        type=Path,
        default=defaults.files_dir,
        metavar="DIR",
        help="keep the files people send in this folder, which a cluster's servers share (a network"
        " mount every node has); with --database their records are in the database (default: files/"
        " in --data)",
    )
    parser.add_argument(
        "--state-poll-seconds",
        type=positive_seconds,
        default=defaults.state_poll_seconds,
        metavar="SECONDS",
        help="with --database: how often this node reads the host's decisions (bans, passwords,"
        " `lanchat admin`) though the database did not tell it of a change (default: %(default)s)",
    )
    parser.add_argument(
        "--max-history-mib",
        type=int,
        default=defaults.history_limits.host_bytes // MIB,
        metavar="MIB",
        help="history kept in all rooms together; past it the oldest messages go (default: %(default)s)",
    )
    files = defaults.file_limits
    for flag, value, what in (
        ("--max-file-mib", files.file_bytes, "the largest file one may attach"),
        ("--max-room-files-mib", files.room_bytes, "files kept in one room"),
        ("--max-host-files-mib", files.host_bytes, "files kept in all rooms together"),
        (
            "--min-free-disk-mib",
            files.min_free_disk_bytes,
            "disk space kept free: history and files stop there",
        ),
    ):
        parser.add_argument(
            flag, type=int, default=value // MIB, metavar="MIB", help=f"{what} (default: %(default)s)"
        )
    parser.add_argument(
        "--edit-window-hours",
        type=non_negative_hours,
        default=defaults.edit_window_seconds / HOUR,
        metavar="HOURS",
        help="how long after sending people may edit their messages; 0 turns edits off"
        " (deleting one's own has no limit; default: %(default)s)",
    )


def _add_timing_arguments(parser: argparse.ArgumentParser, defaults: ServerConfig) -> None:
    """Deadlines: for a request's head, a paused upload, a forgotten upload, a room token."""
    parser.add_argument(
        "--request-head-timeout",
        type=float,
        default=defaults.request_head_timeout,
        metavar="SECONDS",
        help="how long a request's line and headers may take to arrive before a 408 (default: %(default)s)",
    )
    parser.add_argument(
        "--upload-idle-timeout",
        type=float,
        default=defaults.upload_idle_timeout,
        metavar="SECONDS",
        help="how long an upload's body may pause before its connection is closed (default: %(default)s)",
    )
    parser.add_argument(
        "--upload-expiry-seconds",
        type=positive_seconds,
        default=defaults.file_limits.expiry_seconds,
        metavar="SECONDS",
        help="how long an upload untouched (unfinished, or finished and never sent) is kept"
        " (default: %(default)s)",
    )
    parser.add_argument(
        "--upload-sweep-seconds",
        type=positive_seconds,
        default=defaults.upload_sweep_seconds,
        metavar="SECONDS",
        help="how often the host removes such uploads (default: %(default)s)",
    )
    parser.add_argument(
        "--room-token-seconds",
        type=positive_seconds,
        default=defaults.room_token_seconds,
        metavar="SECONDS",
        help="how long a private or direct room's history token is good for; connected members get"
        " fresh ones halfway (default: %(default)s)",
    )


def proxy_address(value: str) -> str:
    """An IP address or network (`10.0.0.0/24`), as uvicorn's forwarded_allow_ips takes it."""
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise argparse.ArgumentTypeError(f"an IP address or network, not {value!r}") from None


def non_negative_hours(value: str) -> float:
    hours = float(value)
    if not 0 <= hours <= MAX_EDIT_WINDOW_HOURS:  # NaN fails both
        raise argparse.ArgumentTypeError(f"hours from 0 to {MAX_EDIT_WINDOW_HOURS}, not {value!r}")
    return hours


def positive_seconds(value: str) -> float:
    seconds = float(value)
    if not 0 < seconds < float("inf"):  # NaN fails too
        raise argparse.ArgumentTypeError(f"seconds above 0, not {value!r}")
    return seconds


def private_room(value: str) -> tuple[str, PasswordHash]:
    """`NAME=FILE` or `NAME` (the password in ROOM_PASSWORD_ENV): the room and its password's hash."""
    room, _, path = value.partition("=")
    try:
        validate_room(room)
    except Refused as refusal:
        raise ValueError(f"--private-room {room!r}: {refusal.detail}") from None
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"--private-room {room}: cannot read {path}: {exc.strerror}") from None
        password = lines[0] if lines else ""
    else:
        password = os.environ.get(ROOM_PASSWORD_ENV, "")
        if not password:
            raise ValueError(f"--private-room {room}: set {ROOM_PASSWORD_ENV} or give NAME=FILE")
    try:
        return room, hash_password(password)
    except ValueError as exc:
        raise ValueError(f"--private-room {room}: {exc}") from None


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    """The flags over ServerConfig's defaults: whatever no flag sets keeps the config's own default."""
    defaults = ServerConfig()
    given: dict[str, Any] = {}
    if args.data is not None:
        given["data_dir"] = args.data
    if args.name:
        given["display_name"] = args.name
    database = args.database or os.environ.get(DATABASE_URL_ENV) or None
    if database is not None:
        if not is_postgres_url(database):
            raise ValueError("--database takes a postgresql:// address")
        given["database_url"] = database
    if args.files_dir is not None:
        given["files_dir"] = args.files_dir
    if (args.tls_cert is None) != (args.tls_key is None):
        raise ValueError("--tls-cert and --tls-key go together: give both or neither")
    return replace(
        defaults,
        host=args.host,
        port=args.port,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        allow_plain_http=args.allow_plain_http,
        ping_interval=args.ping_interval,
        ping_timeout=args.ping_timeout,
        request_head_timeout=args.request_head_timeout,
        upload_idle_timeout=args.upload_idle_timeout,
        edit_window_seconds=args.edit_window_hours * HOUR,
        room_token_seconds=args.room_token_seconds,
        history_limits=replace(
            defaults.history_limits,
            host_bytes=args.max_history_mib * MIB,
            min_free_disk_bytes=args.min_free_disk_mib * MIB,
        ),
        file_limits=replace(
            defaults.file_limits,
            file_bytes=args.max_file_mib * MIB,
            room_bytes=args.max_room_files_mib * MIB,
            host_bytes=args.max_host_files_mib * MIB,
            min_free_disk_bytes=args.min_free_disk_mib * MIB,
            expiry_seconds=args.upload_expiry_seconds,
        ),
        upload_sweep_seconds=args.upload_sweep_seconds,
        state_poll_seconds=args.state_poll_seconds,
        announce=args.announce,
        browse=args.browse,
        known_hosts=tuple(args.known_host),
        allowed_hosts=tuple(args.allow_host),
        trusted_proxies=tuple(args.trusted_proxy),
        private_rooms=tuple(private_room(value) for value in args.private_room),
        **given,
    )


def serve(config: ServerConfig) -> int:
    """Serve until SIGINT or SIGTERM; 0 after a clean stop."""
    # The handlers come first: the port accepts connections (into its backlog) from the moment it
    # is bound, so a service manager may stop us then, and the default action would kill the
    # process before the history store is closed.
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    # The history holds private rooms and direct conversations: the user's only, whatever the
    # umask (the folder 0700, its files 0600), as the window keeps its own.
    keep_this_process_private(config.data_dir)
    if config.database_url is not None:
        # Reached (and its schema made or migrated) before serving, so an unreachable database is
        # one sentence here rather than a traceback from inside the app's start-up.
        try:
            open_history(config.data_dir, config.history_limits, config.database_url).close()
        except (StorageFailed, ValueError) as exc:
            print(f"lanchat: cannot keep the history there: {exc}", file=sys.stderr)
            return 1

    server = ServerThread(config)
    try:
        server.start()
    except ServerStartError as exc:
        print(f"lanchat: {exc}", file=sys.stderr)
        return 1

    print(f"lanchat is serving at {server.url}", flush=True)
    tls = server.app.state.tls if server.app is not None else None
    if is_unspecified_host(config.host):
        pin = f"#fp={tls.link_fingerprint}" if tls is not None else ""
        for address in lan_addresses():
            print(f"  on the network: https://{address}:{server.port}/{pin}", flush=True)
    if tls is not None:
        print(f"host identity (safety code): {tls.safety_code}", flush=True)
    announcer = start_announcing(server, config)
    where = describe_database(config.database_url) if config.database_url else config.data_dir
    print(f"history: {where}", flush=True)
    print("press Ctrl+C to stop", flush=True)

    while not stop.wait(0.5):
        if not server.running:
            print("lanchat: the server stopped unexpectedly", file=sys.stderr)
            return 1
    stop_announcing(server, announcer)
    server.stop()
    print("lanchat stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lanchat serve", description="Run the lanchat room server without a window."
    )
    add_serve_arguments(parser)
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    return serve(config)


if __name__ == "__main__":
    sys.exit(main())


def cluster_database(given: str | None, command: str, flag: str) -> tuple[str | None, int]:
    """For `lanchat migrate` and `lanchat admin`: the cluster's database URL (`flag`, else
    LANCHAT_DATABASE_URL) and 0, or None and the exit code, the reason printed."""
    url = given or os.environ.get(DATABASE_URL_ENV)
    if not url or not is_postgres_url(url):
        print(f"lanchat: {command} needs {flag} postgresql://... (or {DATABASE_URL_ENV})", file=sys.stderr)
        return None, 2
    if importlib.util.find_spec("psycopg") is None:
        print("lanchat: PostgreSQL needs psycopg: pip install 'lanchat[postgres]'", file=sys.stderr)
        return None, 1
    return url, 0
