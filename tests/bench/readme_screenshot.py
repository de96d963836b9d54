"""Make docs/images/lanchat-room.png: a room in use, as the README shows it.

    .venv/bin/python tests/bench/readme_screenshot.py

Needs the built UI. Three people chat through the real server in Chromium; the picture
is Anna's window. Nothing leaves loopback.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

# Nothing here may multicast on this machine's network (the server it starts inherits this).
os.environ["LANCHAT_DISCOVERY"] = "off"

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, join_room, send_message  # noqa: E402
from tests.support.server_process import ServeProcess  # noqa: E402

OUT = ROOT / "docs" / "images" / "lanchat-room.png"


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        server = ServeProcess(data_dir=Path(tmp) / "data")
        server.start()
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            pages = {}
            for name, room in (("Anna", "design"), ("Bob", "design"), ("Chen", "design")):
                context = browser.new_context(viewport={"width": 1100, "height": 700}, locale="en-GB")
                pages[name] = context.new_page()
                join_room(pages[name], server.url, name, room)
            anna, bob, chen = pages["Anna"], pages["Bob"], pages["Chen"]
            # A second room for Anna, so the side list shows more than one.
            anna.get_by_role("button", name="Join a room").click()
            anna.get_by_label("Room", exact=True).first.fill("lunch")
            anna.get_by_role("button", name="Join", exact=True).first.click()
            anna.get_by_role("heading", name="lunch").wait_for()
            anna.get_by_role("navigation", name="Your rooms").get_by_role(
                "button", name=re.compile(r"^design")
            ).click()

            script = [
                (bob, "Morning! The new mock-ups are on the shared drive."),
                (chen, "Nice. Is the dark theme in there too?"),
                (bob, "Yes, both themes. Spec: https://example.com/spec/chat-v2"),
                (
                    anna,
                    "Looks great. Two notes:\n1. the composer could be taller\n"
                    "2. unread badges need more contrast",
                ),
                (chen, "Agreed on the badges."),
                (bob, "I'll fix both before the review at 3."),
                (anna, "Thanks! **Review at 3** it is."),
            ]
            for page, text in script:
                send_message(page, text)
                # As shown: the first line, its Markdown rendered.
                anna.get_by_text(text.split("\n")[0].replace("**", ""), exact=False).first.wait_for()
            lunch_context = browser.new_context()
            dana = lunch_context.new_page()
            join_room(dana, server.url, "Dana", "lunch")
            send_message(dana, "Pizza at 12:30?")
            send_message(dana, "Or the noodle place")
            anna.get_by_test_id("unread").wait_for()
            chen.get_by_label("Message", exact=True).press_sequentially("On my way", delay=20)
            anna.get_by_text("Chen is typing…").wait_for()
            OUT.parent.mkdir(parents=True, exist_ok=True)
            anna.screenshot(path=str(OUT))
            browser.close()
        finally:
            server.stop()
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
