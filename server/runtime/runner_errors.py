"""Why the server could not start, as exceptions whose message is one sentence for people."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DataFolderProblem", "PortTakenError", "ServerStartError"]


class ServerStartError(RuntimeError):
    """The server could not start listening (port taken, address not available, ...)."""


class PortTakenError(ServerStartError):
    """Another program (or another lanchat) already listens on that port."""


class DataFolderProblem(ServerStartError):
    """The data folder or a file in it cannot be used; `path` is the one to look at."""

    def __init__(self, sentence: str, path: Path) -> None:
        super().__init__(sentence)
        self.path = path
