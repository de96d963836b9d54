"""Write the UI's copy of the protocol (server/protocol/) as a JavaScript module.

`python -m server.protocol.js_export ui/src/protocol.generated.js` runs before every UI
build and test (the Makefile and ui/vite.config.js call it), so the UI never
declares a limit, code or frame type of its own. The output is not committed.
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

from server.protocol import codes, frames, limits

__all__ = ["render"]

# The constants the UI reads. A constant the UI does not use stays out, so the
# generated module exports nothing dead.
UI_CONSTANTS = (
    "PROTOCOL_VERSION",
    "MAX_SENDER_CHARS",
    "MAX_ROOM_CHARS",
    "HISTORY_PAGE_MAX",
    "ROOM_LIST_PAGE",
    "ROOM_LIST_PAGE_MAX",
    "ROOM_NAME_PUNCTUATION",
    "IDENTITY_SECRET_CHARS",
    "IDENTITY_SECRET_MIN_CHARS",
    "MIN_ROOM_PASSWORD_CHARS",
    "MAX_ROOM_PASSWORD_CHARS",
    "ROOM_TOKEN_HEADER",
    "SEEN_SEND_INTERVAL_SECONDS",
    "MAX_FILE_BYTES",
    "MAX_ATTACHMENTS_PER_MESSAGE",
    "SEARCH_PAGE",
    "MAX_SEARCH_QUERY_CHARS",
    "EDIT_WINDOW_SECONDS",
    "MAX_EDIT_WINDOW_HOURS",
    "MAX_REACTION_CHARS",
    "MAX_REACTIONS_PER_MESSAGE",
)


def _frame_types() -> dict[str, str]:
    """Every `type` tag of the TypedDict frames, so a new frame reaches the UI by itself."""
    tags: dict[str, str] = {}
    for shape in vars(frames).values():
        if not typing.is_typeddict(shape):
            continue
        tag = typing.get_type_hints(shape).get("type")
        if typing.get_origin(tag) is typing.Literal:
            for value in typing.get_args(tag):
                tags[value.upper()] = value
    return tags


def _frozen(mapping: dict[str, Any]) -> str:
    body = "".join(f"  {key}: {json.dumps(value, ensure_ascii=False)},\n" for key, value in mapping.items())
    return f"Object.freeze({{\n{body}}})"


def render() -> str:
    lines = [
        "// Generated from server/protocol/ by server/protocol/js_export.py: do not edit, do not commit.",
        "",
    ]
    for name in UI_CONSTANTS:
        lines.append(f"export const {name} = {json.dumps(getattr(limits, name), ensure_ascii=False)}")
    lines.append("")
    lines.append("// The limits a server sends in its welcome frame, until one has.")
    lines.append(f"export const DEFAULT_LIMITS = {_frozen(dict(frames.welcome_limits()))}")
    lines.append(f"export const FrameType = {_frozen(_frame_types())}")
    lines.append(f"export const ErrorCode = {_frozen({code.name: code.value for code in codes.ErrorCode})}")
    lines.append(f"export const CloseCode = {_frozen({code.name: code.value for code in codes.CloseCode})}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m server.protocol.js_export OUTPUT.js", file=sys.stderr)
        return 2
    target = Path(argv[0])
    text = render()
    # Rewrite only on a change, so Vite's watcher and make's timestamps stay quiet.
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
