"""`lanchat serve` arguments for the files tests: one private room ("team", PASSWORD) and no
free-disk floor (the tests' folders live on whatever disk the machine has)."""

from __future__ import annotations

from pathlib import Path

from tests.support.rooms import private_room_args

__all__ = ["file_host_args"]


def file_host_args(folder: Path, *extra_args: str) -> tuple[str, ...]:
    """The arguments; the room's password file is written into `folder`."""
    return (*private_room_args(folder), "--min-free-disk-mib", "0", *extra_args)
