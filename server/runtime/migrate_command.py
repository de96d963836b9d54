"""`lanchat migrate --from DATA_DIR --to postgresql://...`: move a host into a cluster's database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server.runtime.cli import DATABASE_URL_ENV, cluster_database
from server.storage.database_url import describe_database
from server.storage.history import StorageFailed

__all__ = ["add_migrate_arguments", "migrate_command"]


def add_migrate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        required=True,
        metavar="DATA_DIR",
        help="the data folder of the host to move (stop that host first)",
    )
    parser.add_argument(
        "--to",
        dest="target",
        default=None,
        metavar="URL",
        help=f"the cluster's database, postgresql://... (default: ${DATABASE_URL_ENV})",
    )
    parser.add_argument(
        "--files-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the folder the cluster's nodes share for files (their --files-dir): the host's files"
        " are copied there (needed when the host has files)",
    )


def migrate_command(args: argparse.Namespace) -> int:
    """Copy, then say what was copied; 0 if all of it was, 1 with the reason if nothing was."""
    target, problem = cluster_database(args.target, "migrate", "--to")
    if target is None:
        return problem
    from server.cluster.moving_in import host_decisions, prepare
    from server.files import moving_in as files_moving_in
    from server.storage.migration import MigrationRefused, migrate

    try:
        prepare(target)
        files_moving_in.prepare(target)
        copied = migrate(args.source, target, (host_decisions, files_moving_in.files_step(args.files_dir)))
    except (MigrationRefused, StorageFailed) as exc:
        print(f"lanchat: nothing was copied: {exc}", file=sys.stderr)
        return 1
    print(f"copied from {args.source} to {describe_database(target)}:")
    for line in copied:
        print(f"  {line}")
    return 0
