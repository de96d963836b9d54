"""Chromium, when discovery finds nobody: the join screen says why, after NOTHING_FOUND_AFTER_MS.

Discovery must be on for that, and nothing may multicast on this machine's real interfaces, so
`lanchat serve --browse` and Chromium both run inside a network namespace whose only link is a
veth pair to an empty namespace: the search goes out over it and nobody answers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys

import pytest

from tests.support.browser import ARTIFACTS, ROOT, UI_INDEX
from tests.support.server_process import FROM_SOURCE, ServeProcess

pytestmark = [pytest.mark.browser, pytest.mark.netns]

HINT_SOURCE = ROOT / "ui" / "src" / "components" / "NothingFoundHint.vue"
NOTHING_FOUND_AFTER_MS = int(
    re.search(r"NOTHING_FOUND_AFTER_MS = (\d+)", HINT_SOURCE.read_text()).group(1)  # type: ignore[union-attr]
)

LOOK = """
import json, sys, time
from playwright.sync_api import sync_playwright
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

url, shots, limit_ms = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen = {}
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    for locale in ("en-US", "ru-RU"):
        page = browser.new_page(locale=locale, viewport={"width": 1000, "height": 900})
        page.goto(url)
        started = time.monotonic()
        hint = page.get_by_test_id("nothing-found")
        hint.wait_for(timeout=limit_ms + 10_000)
        entry = {"after": time.monotonic() - started, "text": hint.inner_text()}
        page.screenshot(path=f"{shots}/nothing-found-{locale[:2]}.png")
        hint.get_by_role("button").click()
        entry["focused"] = page.evaluate("document.activeElement.id")
        seen[locale] = entry
    browser.close()
print(json.dumps(seen))
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def lonely_namespace():
    if shutil.which("ip") is None:
        pytest.skip("the ip command (iproute2) is not installed")
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    tag = str(os.getpid() % 100000)
    ns, empty = f"lcdoc{tag}n", f"lcdoc{tag}e"
    try:
        _ip("netns", "add", ns)
        _ip("netns", "add", empty)
        _ip("link", "add", f"lcdo{tag}n", "type", "veth", "peer", "name", f"lcdo{tag}e")
        for name, iface, address in ((ns, f"lcdo{tag}n", "10.214.0.1"), (empty, f"lcdo{tag}e", "10.214.0.2")):
            _ip("link", "set", iface, "netns", name)
            _ip("-n", name, "addr", "add", f"{address}/24", "dev", iface)
            _ip("-n", name, "link", "set", iface, "up")
            _ip("-n", name, "link", "set", "lo", "up")
            _ip("-n", name, "route", "add", "224.0.0.0/4", "dev", iface)
        yield ns
    finally:
        for name in (ns, empty):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=10)


def test_when_nobody_is_found_the_join_screen_says_why_and_offers_join_by_address(lonely_namespace, tmp_path):
    if not UI_INDEX.is_file():
        pytest.fail("the browser tests need the built UI: `cd ui && npm ci && npm run build`")
    command = ("ip", "netns", "exec", lonely_namespace, "env", "LANCHAT_DISCOVERY=on", *FROM_SOURCE)
    server = ServeProcess(tmp_path / "data", 0, ("--browse",), command=command).start()
    ARTIFACTS.mkdir(exist_ok=True)
    look = (sys.executable, "-c", LOOK, server.url, str(ARTIFACTS), str(NOTHING_FOUND_AFTER_MS))
    try:
        result = subprocess.run(
            ["ip", "netns", "exec", lonely_namespace, *look],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert result.returncode == 0, result.stderr
        seen = json.loads(result.stdout)
    finally:
        server.stop(signal.SIGKILL)
    english, russian = seen["en-US"], seen["ru-RU"]
    # Not before the constant (less the page's own load, which the clock above does not see).
    assert english["after"] >= NOTHING_FOUND_AFTER_MS / 1000 - 1.0, english
    for reason in ("another network or subnet", "client isolation", "firewall", "VPN"):
        assert reason in english["text"]
    assert "Подключиться по адресу" in russian["text"]
    assert english["focused"] == russian["focused"] == "join-address"
