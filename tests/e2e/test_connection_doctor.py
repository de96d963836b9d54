"""The connection doctor in Chromium: a join by address that fails says which step failed, there.

The doctor reaches another host as lanchat does, over TLS: a plain web server fails at the
encryption step; one that speaks TLS but is not lanchat, at "lanchat answers"."""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server.peers.doctor import DOCTOR_HEADER
from server.tls.safety_code import fingerprint_in_link, safety_code
from tests.support.browser import join_room, keep_for_review, screenshot
from tests.support.ports import free_port
from tests.support.tls_hosts import identity_in, serving_context

SHOTS = Path("/work/shots")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def plain_web_server(tmp_path) -> Iterator[str]:
    """A web server that is not lanchat and speaks no TLS, on loopback: HOST:PORT."""
    yield from _serve(tmp_path, tls=False)


@pytest.fixture
def web_server(tmp_path) -> Iterator[str]:
    """A web server that is not lanchat, over TLS with a key of its own, on loopback: HOST:PORT."""
    yield from _serve(tmp_path, tls=True)


def _serve(folder, tls: bool) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: QuietHandler(*a, directory=str(folder)))
    if tls:
        server.socket = serving_context(folder / "identity").wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def open_address_form(page, url: str, other_host: str, name: str):
    page.goto(url)
    page.get_by_label(name).first.fill("Eve")
    page.locator("details summary").click()
    form = page.locator("details form")
    form.locator("#join-address").fill(other_host)
    form.locator("#join-remote-room").fill("general")
    return form


def test_a_join_by_address_to_a_web_server_says_it_is_not_lanchat_beside_that_form(
    lanchat, new_page, web_server
):
    page = new_page()
    form = open_address_form(page, lanchat.url, web_server, "Name")
    form.get_by_role("button", name="Join").click()
    doctor = page.locator("details [data-testid='connection-doctor']")
    expect(doctor.get_by_test_id("doctor-what")).to_have_text(
        f"Checked from this computer: something answers at {web_server}, but it is not lanchat."
    )
    expect(doctor.get_by_test_id("doctor-next")).to_contain_text("Another program uses that port")
    expect(doctor.locator("li.failed")).to_contain_text("failed: lanchat answers")
    page.get_by_role("button", name="Cancel").scroll_into_view_if_needed()
    screenshot(page, "doctor-not-lanchat-en")

    # Show rooms on a port nobody listens on: the answer is beside the list it asked for.
    port = free_port()
    form.locator("#join-address").fill(f"127.0.0.1:{port}")
    form.get_by_role("button", name="Show rooms").click()
    listed = page.locator("details > [data-testid='connection-doctor']")
    expect(listed.get_by_test_id("doctor-what")).to_have_text(
        f"Checked from this computer: 127.0.0.1 is there, but nothing listens on port {port}."
    )


@pytest.mark.parametrize(
    ("locale", "name", "what", "step", "cancel"),
    [
        ("en-US", "Name", ", but not with encryption (TLS).", "failed: Encryption (TLS)", "Cancel"),
        (
            "ru-RU",
            "Имя",
            " что-то отвечает, но без шифрования (TLS).",
            "не пройден: Шифрование (TLS)",
            "Отмена",
        ),
    ],
)
def test_a_join_by_address_to_a_plain_web_server_fails_at_the_encryption_step(
    lanchat, new_page, plain_web_server, locale, name, what, step, cancel
):
    page = new_page(locale=locale)
    form = open_address_form(page, lanchat.url, plain_web_server, name)
    form.locator("button[type='submit']").click()
    doctor = page.locator("details [data-testid='connection-doctor']")
    expect(doctor.get_by_test_id("doctor-what")).to_contain_text(f"{plain_web_server}{what}")
    expect(doctor.locator("li.failed")).to_contain_text(step)
    page.get_by_role("button", name=cancel).scroll_into_view_if_needed()
    screenshot(page, f"doctor-not-tls-{locale}")


def test_the_doctor_speaks_russian(lanchat, new_page, web_server):
    page = new_page(locale="ru-RU")
    form = open_address_form(page, lanchat.url, web_server, "Имя")
    form.locator("button[type='submit']").click()
    doctor = page.locator("details [data-testid='connection-doctor']")
    expect(doctor.get_by_test_id("doctor-what")).to_contain_text(
        f"на {web_server} что-то отвечает, но это не lanchat."
    )
    page.get_by_role("button", name="Отмена").scroll_into_view_if_needed()
    screenshot(page, "doctor-not-lanchat-ru")


def test_the_doctors_words_below_the_fold_do_not_stretch_the_page(lanchat, new_page):
    # Its steps carry visually hidden words (absolutely placed) for screen readers; out of their
    # box they made the whole page scroll, header and all, in a short window.
    page = new_page(height=480)
    form = open_address_form(page, lanchat.url, f"127.0.0.1:{free_port()}", "Name")
    form.get_by_role("button", name="Join").click()
    expect(page.locator("details [data-testid='connection-doctor'] li.failed")).to_be_attached()
    assert page.evaluate("document.documentElement.scrollHeight - innerHeight") <= 0


@pytest.mark.parametrize(
    ("locale", "width", "name", "show_rooms", "found"),
    [
        ("en-US", 1100, "Name", "Show rooms", "not lanchat"),
        ("ru-RU", 400, "Имя", "Показать комнаты", "не lanchat"),
    ],
)
def test_what_the_doctor_found_goes_once_the_address_is_corrected_and_its_rooms_are_listed(
    lanchat, new_page, web_server, locale, width, name, show_rooms, found
):
    join_room(new_page(), lanchat.url, "Anna", "general")  # a room for the list to show
    page = new_page(locale=locale, width=width)
    form = open_address_form(page, lanchat.url, web_server, name)
    form.locator("button[type='submit']").click()
    what = page.locator("details [data-testid='doctor-what']")
    expect(what).to_contain_text(found)

    form.locator("#join-address").fill(lanchat.url.split("//")[1].strip("/"))
    expect(what).to_have_count(0)  # about the address that was there before
    expect(page.get_by_test_id("join-status")).to_have_count(0)  # its Retry would try that one
    form.get_by_role("button", name=show_rooms).click()
    expect(page.locator("details [data-testid='room-list']")).to_contain_text("general")
    expect(page.locator("[data-testid='connection-doctor'] li")).to_have_count(0)
    page.locator("details [data-testid='room-list']").scroll_into_view_if_needed()
    screenshot(page, f"doctor-cleared-{locale}-{width}")


@pytest.mark.parametrize(
    ("locale", "name", "what", "step"),
    [
        (
            "en-US",
            "Name",
            "presented another identity than the one it was listed with",
            "failed: Host identity",
        ),
        (
            "ru-RU",
            "Имя",
            "предъявил не ту подлинность, с которой он был в списке хостов",  # noqa: RUF001
            "не пройден: Подлинность хоста",
        ),
    ],
)
def test_a_changed_identity_the_doctor_found_is_named_with_both_safety_codes(
    lanchat, new_page, plain_web_server, tmp_path, locale, name, what, step
):
    # The real doctor, asked to expect another key of the lanchat it checks: its answer is what
    # the page gets back when it passes the fingerprint a host was listed with (the fetch is the
    # boundary), and it says where that key came from.
    expected = identity_in(tmp_path / "the-key-listed-before").fingerprint
    query = urllib.parse.urlencode(
        {"address": lanchat.host, "fp": fingerprint_in_link(expected), "fp_from": "list"}
    )
    request = urllib.request.Request(f"{lanchat.url}api/diagnose?{query}", headers={DOCTOR_HEADER: "1"})
    with urllib.request.urlopen(request, timeout=20) as response:
        diagnosis = json.load(response)
    assert (diagnosis["outcome"], diagnosis["step"]) == ("identity_changed", "identity"), diagnosis
    assert diagnosis["expected_from"] == "list"
    page = new_page(locale=locale)
    page.route(
        "**/api/diagnose?*", lambda route: route.fulfill(json=dict(diagnosis, address=plain_web_server))
    )
    form = open_address_form(page, lanchat.url, plain_web_server, name)
    form.locator("button[type='submit']").click()
    doctor = page.locator("details [data-testid='connection-doctor']")
    expect(doctor.get_by_test_id("doctor-what")).to_contain_text(what)
    expect(doctor.get_by_test_id("doctor-next")).to_contain_text(safety_code(expected))
    expect(doctor.get_by_test_id("doctor-next")).to_contain_text(diagnosis["safety_code"])
    expect(doctor.locator("li.failed")).to_contain_text(step)
    doctor.scroll_into_view_if_needed()
    screenshot(page, f"doctor-identity-changed-{locale}")


@pytest.mark.parametrize(
    ("locale", "name", "what", "code", "step"),
    [
        (
            "en-US",
            "Name",
            "presented another identity than the one in the link you were given",
            "Safety code in the link:",
            "failed: Host identity",
        ),
        (
            "ru-RU",
            "Имя",
            "предъявил не ту подлинность, которая указана в полученной вами ссылке",
            "Код безопасности в ссылке:",
            "не пройден: Подлинность хоста",
        ),
    ],
)
def test_a_failed_join_by_a_link_is_checked_against_the_links_fingerprint_and_says_so(
    lanchat, new_page, web_server, tmp_path, locale, name, what, code, step
):
    # The link names a key the host at that address does not hold: the doctor, asked with the
    # link's fingerprint, stops at the identity step instead of going on to "not lanchat", and
    # says the key was the link's (this browser trusted none before).
    named = identity_in(tmp_path / "the-key-the-link-names").fingerprint
    link = f"https://{web_server}/#fp={fingerprint_in_link(named)}"
    page = new_page(locale=locale)
    form = open_address_form(page, lanchat.url, link, name)
    form.locator("button[type='submit']").click()
    doctor = page.locator("details [data-testid='connection-doctor']")
    expect(doctor.get_by_test_id("doctor-what")).to_contain_text(what)
    expect(doctor.get_by_test_id("doctor-next")).to_contain_text(f"{code} {safety_code(named)}")
    expect(doctor.get_by_test_id("doctor-what")).not_to_contain_text("trusts")
    expect(doctor.locator("li.failed")).to_contain_text(step)
    doctor.scroll_into_view_if_needed()
    keep_for_review(screenshot(page, f"doctor-link-fingerprint-{locale}"), SHOTS)
