"""A `lanchat serve` for the files tests: one private room ("team", PASSWORD) and no free-disk
floor (the tests' folders live on whatever disk the machine has)."""

from __future__ import annotations

from pathlib import Path

from tests.lanchat_process import ServeProcess

__all__ = ["PASSWORD", "start_file_host"]

PASSWORD = "correct horse"


def start_file_host(root: Path, *extra_args: str) -> ServeProcess:
    secret = root / "team-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    extra = ("--private-room", f"team={secret}", "--min-free-disk-mib", "0", *extra_args)
    return ServeProcess(root / "data", extra_args=extra).start()
