"""Whether discovery may run at all: the environment's off switch, cheap to ask (no asyncio, no
zeroconf), so the window can ask before its server starts."""

from __future__ import annotations

import os

__all__ = ["DISCOVERY_ENV", "discovery_enabled"]

# LANCHAT_DISCOVERY=off keeps every announce and browse from starting (tests, careful networks).
DISCOVERY_ENV = "LANCHAT_DISCOVERY"


def discovery_enabled() -> bool:
    return os.environ.get(DISCOVERY_ENV, "on").strip().lower() not in ("off", "0", "false", "no")
