"""The window's in-process server (ServerThread) on loopback, for tests that call into it directly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.config import ServerConfig
from server.runtime.runner import ServerThread

__all__ = ["start_server_thread"]


def start_server_thread(data_dir: Path, **options: Any) -> ServerThread:
    """Bound and serving on a port the kernel picks; no UI (its folder does not exist)."""
    server = ServerThread(
        ServerConfig(host="127.0.0.1", port=0, data_dir=data_dir, ui_dir=data_dir.parent / "no-ui", **options)
    )
    server.bind()
    server.start()
    return server
