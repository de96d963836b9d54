"""The `lanchat` command: the window by default, `lanchat serve` for the server alone."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from pathlib import Path

from server import __version__
from server.config import ServerConfig
from server.peers.discovery_switch import DISCOVERY_ENV
from server.runtime.admin_command import add_admin_arguments, admin_command
from server.runtime.cli import add_serve_arguments, config_from_args, serve
from server.runtime.migrate_command import add_migrate_arguments, migrate_command

from .settings import default_config_dir

__all__ = ["build_parser", "display_problem", "main"]


def build_parser() -> argparse.ArgumentParser:
    defaults = ServerConfig()  # the window keeps its data where the server keeps its history
    parser = argparse.ArgumentParser(
        prog="lanchat",
        description=(
            "Chat in rooms over the local network. Without a command, opens the lanchat window; its "
            "server listens on this machine only until you choose to host. Without a display, runs "
            "`lanchat serve` instead."
        ),
    )
    parser.add_argument("--version", action="version", version=f"lanchat {__version__}")
    parser.add_argument(
        "--data",
        dest="window_data",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder for the message history and the window's stored data (default: {defaults.data_dir})",
    )
    parser.add_argument(
        "--config",
        dest="window_config",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for settings.json: name, language, hosting port, notifications, discovery, recent rooms"
        " and hosts"
        f" (default: {default_config_dir()})",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="allow the web inspector in the window (right-click > Inspect); implies --verbose",
    )
    parser.add_argument("--verbose", action="store_true", help="log what the app does to standard error")
    parser.add_argument(
        "--no-discovery",
        dest="discovery",
        action="store_false",
        help="neither announce this computer while hosting nor look for other hosts, whatever the"
        f" settings say ({DISCOVERY_ENV}=off in the environment does the same)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve_parser = commands.add_parser("serve", help="run the room server alone, without a window")
    add_serve_arguments(serve_parser)
    migrate_parser = commands.add_parser(
        "migrate", help="copy a host's data folder into a cluster's PostgreSQL database"
    )
    add_migrate_arguments(migrate_parser)
    admin_parser = commands.add_parser(
        "admin", help="a cluster's host controls, without a window: bans, passwords, removing, deleting"
    )
    add_admin_arguments(admin_parser)
    return parser


def display_problem() -> str | None:
    """Why a window cannot open here, or None if it can."""
    if importlib.util.find_spec("webview") is None or importlib.util.find_spec("PyQt6") is None:
        return "the desktop window is not installed (pip install 'lanchat[desktop]')"
    if sys.platform.startswith("linux") or sys.platform.startswith("freebsd"):
        # Any QT_QPA_PLATFORM (offscreen, vnc, eglfs, ...) is the user's explicit choice of a screen.
        if not (
            os.environ.get("DISPLAY")
            or os.environ.get("WAYLAND_DISPLAY")
            or os.environ.get("QT_QPA_PLATFORM")
        ):
            return "there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.debug or args.verbose else logging.WARNING, format="lanchat: %(message)s"
    )
    if args.command == "migrate":
        return migrate_command(args)
    if args.command == "admin":
        return admin_command(args)
    if args.command == "serve":
        try:
            config = config_from_args(args)
        except ValueError as exc:
            parser.error(str(exc))
        return serve(config)

    data_dir = args.window_data or ServerConfig().data_dir
    problem = display_problem()
    if problem is not None:
        print(f"lanchat: {problem}; running `lanchat serve` instead.", file=sys.stderr, flush=True)
        return serve(ServerConfig(data_dir=data_dir))

    from .app import DesktopOptions, run

    code = run(
        DesktopOptions(
            data_dir=data_dir,
            config_dir=args.window_config or default_config_dir(),
            debug=args.debug,
            discovery=args.discovery,
        )
    )
    # pywebview answers each call from the page (set_unread, notify, ...) on a thread of its own,
    # not a daemon, and such a call that waits on the window as it closes never returns: Python's
    # exit then waits for it forever (seen about once in ten closes right after the page loaded).
    # The servers are stopped and the history flushed by now, so leave without waiting.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
