"""`lanchat admin --database URL VERB ...` run as the host runs it: a process of its own, with
neither the database URL nor a room password from the test's environment."""

from __future__ import annotations

import os
import subprocess
import sys

from server.runtime.cli import DATABASE_URL_ENV, ROOM_PASSWORD_ENV
from tests.support.server_process import REPO_ROOT

__all__ = ["admin", "done"]


def admin(url: str, *verb: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (DATABASE_URL_ENV, ROOM_PASSWORD_ENV)}
    if password is not None:
        env[ROOM_PASSWORD_ENV] = password
    return subprocess.run(
        [sys.executable, "-m", "desktop", "admin", "--database", url, *verb],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def done(result: subprocess.CompletedProcess[str]) -> str:
    """Its output, once it said it succeeded."""
    assert result.returncode == 0, result.stderr
    return result.stdout
