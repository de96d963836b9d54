"""What importing the server's settings loads. Every process imports them at start-up (the window,
`lanchat serve`), so the imaging and stemming libraries and the look-alike table wait until an
image, a word to index or a name to compare first needs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# What the probe prints: the heavy modules present after the import, and whether the look-alike
# table has been built.
PROBE = """
import json, sys
import server.config
from server.rooms import lookalikes
heavy = ("PIL", "Stemmer", "confusable_homoglyphs")
loaded = sorted(name for name in sys.modules if name.split(".")[0] in heavy)
{after}
print(json.dumps({{"loaded": loaded, "table_built": lookalikes._translation.cache_info().currsize > 0}}))
"""


def probe(after: str = "") -> dict[str, Any]:
    # From the repository root, so `server` is this checkout's.
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(after=after)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def test_importing_the_server_settings_loads_no_image_or_stemming_library_and_no_lookalike_table():
    assert probe() == {"loaded": [], "table_built": False}


def test_comparing_a_name_builds_the_lookalike_table_without_keeping_the_library_module():
    # The library's module holds its whole two-way table for the life of the process; only the
    # one-way map built from its data file is kept.
    after = "from server.rooms.validation import name_key; name_key('\\u0410nna')"
    result = probe(after)
    assert result["table_built"] is True
    assert "confusable_homoglyphs.confusables" not in result["loaded"]
