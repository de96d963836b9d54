"""Chromium on another machine joins a host over TLS: the page shows the host's safety code, chats,
and explains a room socket its browser refuses; with `--allow-plain-http`, a plain page is warned,
kept out of private rooms, and the room tells everyone it has an unencrypted member.

The host's front door serves plain HTTP to loopback, so a browser on this machine would never
speak TLS: `lanchat serve` runs in one network namespace and Chromium in another. A context with
`ignore_https_errors` stands for a person who accepted the certificate warning.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from server.tls.host_identity import CERT_FILE
from tests.support.browser import ARTIFACTS, ROOT, UI_INDEX, keep_for_review
from tests.support.netns import in_namespace, network
from tests.support.server_process import ServeProcess

pytestmark = [pytest.mark.browser, pytest.mark.netns]

HOST, BROWSER = "10.218.0.1", "10.218.0.2"
TLS_PORT, PLAIN_PORT = 18444, 18445  # fixed: inside their own namespace they are free
REVIEW = Path("/tmp/shots/wire-tests")
SAFETY_CODE = re.compile(r"host identity \(safety code\): ([\d ]+)$")

# Runs in the browser's namespace; prints what each page saw as JSON.
LOOK = """
import json, sys
from playwright.sync_api import sync_playwright
from server.tls.host_identity import CERT_FILE
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

host, tls_port, plain_port, shots = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
WORDS = {
    "en-US": {"name": "Name", "room": "Room", "join": "Join", "message": "Message"},
    "ru-RU": {"name": "Имя", "room": "Комната", "join": "Войти", "message": "Сообщение"},
}
# Safari on iPhone and iPad refuses a wss:// socket to a host's own certificate even after the
# person accepted it for the page: the socket fails at once, as this one does.
REFUSED_SOCKET = '''
window.WebSocket = class extends EventTarget {
  constructor(url) { super(); this.url = url; this.readyState = 0
    setTimeout(() => { this.readyState = 3; this.onerror?.(new Event('error'))
      this.onclose?.({ code: 1006, reason: '', wasClean: false }) }, 20) }
  send() {} close() {}
}
'''
seen = {}

def join(page, url, words, name, room):
    page.goto(url)
    page.get_by_label(words["name"]).first.fill(name)
    page.get_by_label(words["room"], exact=True).first.fill(room)
    page.get_by_role("button", name=words["join"], exact=True).first.click()

def connected(page):
    page.locator('[data-testid="connection-status"][data-status="connected"]').wait_for(timeout=20_000)

with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    for locale, words in WORDS.items():
        lang = locale[:2]
        entry = seen[locale] = {}
        context = browser.new_context(
            ignore_https_errors=True, locale=locale, viewport={"width": 1100, "height": 800}
        )
        page = context.new_page()
        # Typed without a scheme, a browser asks http://: the host sends it on to https.
        join(page, f"http://{host}:{tls_port}/", words, "Anna", "lobby")
        entry["url"] = page.url
        connected(page)
        page.get_by_label(words["message"], exact=True).fill(f"over TLS {lang}")
        page.keyboard.press("Enter")
        page.get_by_text(f"over TLS {lang}").first.wait_for()
        code = page.get_by_test_id("browser-safety-code")
        code.wait_for()
        entry["code"] = code.inner_text().strip()
        entry["identity"] = page.get_by_test_id("browser-identity").inner_text()
        page.get_by_test_id("browser-identity").locator("summary").click()
        entry["fingerprint"] = page.get_by_test_id("browser-fingerprint").inner_text().strip()
        entry["certificate"] = page.get_by_test_id("browser-certificate").inner_text().strip()
        page.screenshot(path=f"{shots}/browser-tls-identity-{lang}.png")
        # The same person later, on a browser that refuses the socket: the room comes back from the
        # page's storage and says why it does not open.
        again = context.new_page()
        again.add_init_script(REFUSED_SOCKET)
        again.goto(f"https://{host}:{tls_port}/")
        again.get_by_test_id("secure-socket-hint").wait_for(timeout=20_000)
        entry["room_hint"] = again.get_by_test_id("secure-socket-hint").inner_text()
        again.screenshot(path=f"{shots}/browser-tls-room-socket-refused-{lang}.png")
        context.close()

        context = browser.new_context(
            ignore_https_errors=True, locale=locale, viewport={"width": 1100, "height": 800}
        )
        refused = context.new_page()
        refused.add_init_script(REFUSED_SOCKET)
        join(refused, f"https://{host}:{tls_port}/", words, "Boris", "lobby")
        hint = refused.get_by_test_id("secure-socket-hint")
        hint.wait_for(timeout=20_000)
        entry["hint"] = hint.inner_text()
        refused.screenshot(path=f"{shots}/browser-tls-socket-refused-{lang}.png")
        context.close()

        # A host that also lets browsers in without encryption.
        context = browser.new_context(
            ignore_https_errors=True, locale=locale, viewport={"width": 1100, "height": 800}
        )
        secure, plain = context.new_page(), context.new_page()
        join(secure, f"https://{host}:{plain_port}/", words, "Vera", f"hall-{lang}")
        connected(secure)
        join(plain, f"http://{host}:{plain_port}/", words, "Gleb", f"hall-{lang}")
        connected(plain)
        entry["plain_url"] = plain.url
        notice = secure.get_by_test_id("room-unencrypted")
        notice.wait_for()
        entry["room_notice"] = notice.inner_text()
        warning = plain.get_by_test_id("browser-not-encrypted")
        warning.wait_for()
        entry["plain_warning"] = warning.inner_text()
        secure.screenshot(path=f"{shots}/browser-room-unencrypted-{lang}.png")
        plain.screenshot(path=f"{shots}/browser-plain-page-{lang}.png")
        plain.get_by_test_id("room-unencrypted").wait_for()
        # The plain page leaves; the room is told nobody unencrypted is left.
        plain.close()
        notice.wait_for(state="detached")

        context.close()
        context = browser.new_context(locale=locale, viewport={"width": 1100, "height": 800})
        private = context.new_page()
        join(private, f"http://{host}:{plain_port}/", words, "Gleb", "hideout")
        status = private.get_by_test_id("join-status")
        status.locator("p.seen").wait_for(timeout=20_000)
        entry["private_refused"] = status.inner_text()
        private.screenshot(path=f"{shots}/browser-plain-private-refused-{lang}.png")
        context.close()
    browser.close()
print(json.dumps(seen))
"""


def test_a_browser_on_the_network_gets_the_host_over_tls_and_sees_its_safety_code(tmp_path):
    if not UI_INDEX.is_file():
        pytest.fail("the browser tests need the built UI: `cd ui && npm ci && npm run build`")
    password = tmp_path / "password"
    password.write_text("correct horse battery\n")
    ARTIFACTS.mkdir(exist_ok=True)
    with network("lcbtl") as net:
        host, browser = net.namespace("h"), net.namespace("b")
        net.link(host, HOST, browser, BROWSER, 24)
        servers = [
            ServeProcess(tmp_path / "tls", TLS_PORT, ("--host", "0.0.0.0"), command=in_namespace(host)),
            ServeProcess(
                tmp_path / "plain",
                PLAIN_PORT,
                ("--host", "0.0.0.0", "--allow-plain-http", "--private-room", f"hideout={password}"),
                command=in_namespace(host),
            ),
        ]
        try:
            for server in servers:
                server.start()
            look = (sys.executable, "-c", LOOK, HOST, str(TLS_PORT), str(PLAIN_PORT), str(ARTIFACTS))
            result = subprocess.run(
                ["ip", "netns", "exec", browser, *look], cwd=ROOT, capture_output=True, text=True, timeout=240
            )
            assert result.returncode == 0, result.stderr[-4000:]
            seen = json.loads(result.stdout)
        finally:
            for server in servers:
                server.stop(signal.SIGKILL)
    codes = [m.group(1).strip() for line in servers[0].output if (m := SAFETY_CODE.search(line))]
    assert codes, servers[0].output
    REVIEW.mkdir(parents=True, exist_ok=True)
    for shot in ARTIFACTS.glob("browser-*-??.png"):
        keep_for_review(shot, REVIEW)

    certificate = x509.load_pem_x509_certificate((tmp_path / "tls" / CERT_FILE).read_bytes())
    certificate_sha256 = certificate.fingerprint(hashes.SHA256())
    english, russian = seen["en-US"], seen["ru-RU"]
    for entry in (english, russian):
        assert entry["url"] == f"https://{HOST}:{TLS_PORT}/", "typed without a scheme, sent on to https"
        assert entry["code"] == codes[0], "the page shows the code the host's window shows"
        assert len(entry["fingerprint"].split()) == 32
        assert entry["certificate"] == " ".join(f"{byte:02X}" for byte in certificate_sha256)
        assert entry["plain_url"] == f"http://{HOST}:{PLAIN_PORT}/"
        assert f"https://{HOST}:{PLAIN_PORT}/" in entry["plain_warning"]
    assert "Compare it with the code in the host’s lanchat window" in english["identity"]  # noqa: RUF001
    assert "Сравните его с кодом в окне lanchat на сервере" in russian["identity"]  # noqa: RUF001
    assert "Safari on iPhone and iPad" in english["hint"] == english["room_hint"]
    assert "Safari на iPhone и iPad" in russian["hint"] == russian["room_hint"]
    assert "1 connection to this room is not encrypted" in english["room_notice"]
    assert "1 подключение к этой комнате не зашифровано" in russian["room_notice"]
    assert "open only over an encrypted connection" in english["private_refused"]
    assert "открываются только по зашифрованному соединению" in russian["private_refused"]
