"""server/protocol/ is the one source of the protocol: the UI's copy is generated from it."""

import subprocess
import sys

from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.frames import welcome_limits
from server.protocol.js_export import main, render


def test_importing_the_protocol_loads_no_web_framework():
    # The desktop imports it at start-up for its settings limits: it must stay light.
    probe = (
        "import sys, server.protocol.frames, server.protocol.limits;"
        " print(sorted({'fastapi', 'starlette', 'uvicorn'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_generated_module_carries_every_error_and_close_code():
    text = render()
    for code in ErrorCode:
        assert f'  {code.name}: "{code.value}",' in text
    for close in CloseCode:
        assert f"  {close.name}: {close.value}," in text


def test_the_generated_module_lists_every_frame_type_and_the_welcome_limits():
    text = render()
    for tag in ("message", "typing", "ack", "error", "welcome", "presence"):
        assert f'  {tag.upper()}: "{tag}",' in text
    for key, value in welcome_limits().items():
        assert f"  {key}: {value}," in text


def test_the_generator_leaves_an_unchanged_file_untouched(tmp_path):
    target = tmp_path / "protocol.generated.js"
    assert main([str(target)]) == 0
    before = target.stat().st_mtime_ns
    assert main([str(target)]) == 0
    assert target.stat().st_mtime_ns == before
    assert target.read_text(encoding="utf-8") == render()
