"""Reading JSON frames from a real room socket (the websockets sync client)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

__all__ = ["SEED_FIELDS", "frames_until", "new_secret"]

# Every field a seed (protocol 1) client may get in a message frame: it never learns of later fields.
SEED_FIELDS = {"type", "id", "room", "sender", "text", "timestamp", "client_id"}


def frames_until(ws: Any, predicate: Callable[[dict], bool], timeout: float = 5) -> list[dict]:
    """Frames read up to and including the first that matches."""
    seen = []
    while True:
        seen.append(json.loads(ws.recv(timeout=timeout)))
        if predicate(seen[-1]):
            return seen


def new_secret() -> str:
    """A client's identity secret, as the UI makes one."""
    return secrets.token_urlsafe(32)
