"""Make docs/images/lanchat-room.png: a room in use, as the README shows it.

    .venv/bin/python tests/bench/readme_screenshot.py
    .venv/bin/python tests/bench/readme_screenshot.py --russian --out /tmp/lanchat-room-ru.png

Needs the built UI. Three people chat and send files through the real server in Chromium;
the picture is Anna's window as the desktop app shows it: her page gets a stand-in for the
window's bridge (hosting, the room password panel), so the sidebar shows her rooms, the
Hosting section with this host's safety code (the real server's TLS identity) and the addresses
others join at, and the settings; the header has Search.
Nothing leaves loopback: the addresses shown are the stand-in's words only.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
from pathlib import Path

# Nothing here may multicast on this machine's network (the server it starts inherits this).
os.environ["LANCHAT_DISCOVERY"] = "off"

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    join_room,
    join_room_in_russian,
)
from tests.support.server_process import ServeProcess  # noqa: E402

OUT = ROOT / "docs" / "images" / "lanchat-room.png"

# What Anna's page says, in each language the picture can be made in.
WORDS = {
    "en-GB": {
        "join another": "Join a room",
        "room": "Room",
        "join": "Join",
        "rooms": "Your rooms",
        "typing": "Chen is typing…",
        "copy": "Copy",
    },
    "ru-RU": {
        "join another": "Войти в комнату",
        "room": "Комната",
        "join": "Войти",
        "rooms": "Ваши комнаты",
        "typing": "Chen печатает…",
        "copy": "Копировать",
    },
}

# The desktop window's bridge as the UI sees it (window.pywebview.api), hosting on port 8765.
WINDOW_BRIDGE = """
const answer = (value) => () => Promise.resolve(value);
setTimeout(() => {
  window.pywebview = { api: {
    host_status: answer({
      hosting: true, port: 8765, addresses: ['192.168.1.20'], error: null, suggested_port: null,
      networks: [{ address: '192.168.1.20', interface: 'wlp2s0', kind: 'wifi' }],
    }),
    start_hosting: answer(null),
    stop_hosting: answer(null),
    discovery_status: answer({ setting: true, enabled: true, blocked_by: null }),
    room_privacy: (room) => Promise.resolve({ room, private: false }),
    get_settings: answer({ name: 'Anna' }),
    save_settings: answer(null),
    notify: answer(false),
    set_unread: answer(null),
    open_external: answer(null),
  } };
  window.dispatchEvent(new Event('pywebviewready'));
}, 0);
"""


def send_message(page, text: str) -> None:
    """Type into the message field and press Enter (found by its id: Anna's page may be Russian)."""
    box = page.locator("#composer-text")
    box.fill(text)
    box.press("Enter")


def dark_mockup() -> bytes:
    """A small drawing of a chat in a dark theme: what Bob's "mock-up" shows."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 540), (15, 22, 32))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 960, 48), fill=(23, 33, 44))
    draw.rectangle((0, 48, 220, 540), fill=(23, 33, 44))
    for row, (left, width, colour) in enumerate(
        [
            (250, 420, (31, 43, 56)),
            (250, 300, (31, 43, 56)),
            (560, 360, (43, 82, 51)),
            (250, 380, (31, 43, 56)),
        ]
    ):
        top = 80 + row * 95
        draw.rounded_rectangle((left, top, left + width, top + 70), radius=14, fill=colour)
    for row in range(4):
        draw.rounded_rectangle((16, 70 + row * 44, 200, 100 + row * 44), radius=8, fill=(35, 57, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def main() -> int:
    import argparse

    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--russian", action="store_true", help="Anna's page in Russian")
    parser.add_argument("--out", type=Path, default=OUT, help="where to save the picture")
    args = parser.parse_args()
    locale = "ru-RU" if args.russian else "en-GB"
    words = WORDS[locale]

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        server = ServeProcess(data_dir=Path(tmp) / "data")
        server.start()
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            pages = {}
            for name, room in (("Anna", "design"), ("Bob", "design"), ("Chen", "design")):
                # Tall enough for the sidebar's rooms, Hosting (with the safety code) and Settings.
                size = {"width": 1280, "height": 1340} if name == "Anna" else {"width": 1100, "height": 700}
                context = browser.new_context(viewport=size, locale=locale if name == "Anna" else "en-GB")
                if name == "Anna":
                    context.add_init_script(WINDOW_BRIDGE)
                pages[name] = context.new_page()
                enter = join_room_in_russian if name == "Anna" and args.russian else join_room
                enter(pages[name], server.url, name, room)
            anna, bob, chen = pages["Anna"], pages["Bob"], pages["Chen"]
            # A second room for Anna, so the side list shows more than one.
            anna.get_by_role("button", name=words["join another"]).click()
            anna.get_by_label(words["room"], exact=True).first.fill("lunch")
            anna.get_by_role("button", name=words["join"], exact=True).first.click()
            anna.get_by_role("heading", name="lunch").wait_for()
            anna.get_by_role("navigation", name=words["rooms"]).get_by_role(
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
            ]
            for page, text in script:
                send_message(page, text)
                # As shown: the first line, its Markdown rendered.
                anna.get_by_text(text.split("\n")[0].replace("**", ""), exact=False).first.wait_for()
            # Bob attaches the mock-up and the spec together: they arrive in that order.
            mockup = Path(tmp) / "mock-up dark.png"
            mockup.write_bytes(dark_mockup())
            spec = Path(tmp) / "chat-v2 spec.pdf"
            spec.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 1200)
            bob.get_by_test_id("attach-input").set_input_files([str(mockup), str(spec)])
            anna.get_by_test_id("file-card").wait_for()
            anna.get_by_test_id("image-preview").locator("img").wait_for()
            for page, text in [
                (bob, "I'll fix both before the review at 3."),
                (anna, "Thanks! **Review at 3** it is."),
            ]:
                send_message(page, text)
                anna.get_by_text(text.replace("**", ""), exact=False).first.wait_for()
            lunch_context = browser.new_context()
            dana = lunch_context.new_page()
            join_room(dana, server.url, "Dana", "lunch")
            send_message(dana, "Pizza at 12:30?")
            send_message(dana, "Or the noodle place")
            anna.get_by_test_id("unread").wait_for()
            # Slowly: Chen's page sends a typing notice only while its rate budget has room (a
            # notice never delays a message), and the read receipts just now spent some of it.
            chen.locator("#composer-text").press_sequentially("On my way", delay=300)
            anna.wait_for_function(
                "(words) => document.querySelector('[data-testid=\"typing\"]')?.textContent === words",
                arg=words["typing"],
            )
            # The window hosts: its Hosting section opened by itself, with this host's safety code
            # and the address to give (its link carries the key: https://...#fp=).
            anna.get_by_test_id("hosting-on").wait_for()
            anna.get_by_test_id("own-safety-code").wait_for()
            anna.get_by_role("button", name=f"{words['copy']} https://192.168.1.20:8765/#fp=").wait_for()
            anna.get_by_test_id("image-preview").locator("img").evaluate("img => img.decode()")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            anna.screenshot(path=str(args.out))
            browser.close()
        finally:
            server.stop()
    print(f"{args.out}: {args.out.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
