"""The `lanchat` command."""

from __future__ import annotations

import argparse
import sys

from server.cli import add_serve_arguments, config_from_args, serve

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lanchat", description="Chat in rooms over the local network.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve_parser = commands.add_parser("serve", help="run the room server alone, without a window")
    add_serve_arguments(serve_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(config_from_args(args))
    # The desktop window arrives with its own issue; until then the app is its server.
    print("lanchat: the desktop window is not built yet; running `lanchat serve`.", file=sys.stderr)
    return serve(config_from_args(build_parser().parse_args(["serve"])))


if __name__ == "__main__":
    sys.exit(main())
