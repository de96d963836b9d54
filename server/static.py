"""Where the built UI lives, for a checkout and for a frozen build alike."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["ui_dir"]


def ui_dir() -> Path:
    """The folder holding the built UI's index.html (it may not exist yet in a checkout)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        # build.spec puts ui/dist at <bundle>/ui.
        return Path(frozen_root) / "ui"
    return Path(__file__).resolve().parent.parent / "ui" / "dist"


PLACEHOLDER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lanchat</title></head>
<body><h1>lanchat</h1>
<p>The server is running, but the chat UI has not been built. Run <code>make run</code> in the checkout
(or <code>cd ui &amp;&amp; npm ci &amp;&amp; npm run build</code>) and reload.</p>
<p>Chat clients connect to <code>/ws/ROOM</code>; see <code>server/PROTOCOL.md</code>.</p>
</body></html>
"""
