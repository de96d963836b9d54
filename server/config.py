"""The server's settings: one plain object, built once from defaults and flags, passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

__all__ = ["ServerConfig", "default_data_dir"]


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("lanchat", appauthor=False))


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"  # loopback: hosting on the network is an explicit choice
    port: int = 8765  # 0 picks a free port
    data_dir: Path = field(default_factory=default_data_dir)
    # Keepalive: a member that answers no ping within ping_timeout is gone
    # (a sleeping laptop, a pulled cable) and is cleaned up.
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    # Where the built UI is; None means "find it" (see server.static.ui_dir).
    ui_dir: Path | None = None
