"""What people do in the chat UI, in Debian's Chromium against a real `lanchat serve` process."""

from __future__ import annotations

import re
import socket
import time

import pytest

from server.storage.sqlite_history import SqliteHistoryStore
from tests.support.browser import join_room, message_texts, screenshot, send_message, wait_connected

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

XSS = "<img src=x onerror=alert(1)>"


def test_two_people_chat_in_one_room_with_presence_and_typing(lanchat, new_page):
    anna = new_page()
    bob = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    join_room(bob, lanchat.url, "Bob", "general")

    expect(anna.get_by_text("Bob joined")).to_be_visible()
    expect(anna.get_by_test_id("members")).to_contain_text("Bob")

    bob.get_by_label("Message", exact=True).press_sequentially("hel")
    expect(anna.get_by_test_id("typing")).to_have_text("Bob is typing…")

    bob.get_by_label("Message", exact=True).fill("Hello Anna! Notes: https://example.com/notes")
    bob.get_by_label("Message", exact=True).press("Enter")
    send_message(anna, "Hi Bob 👋\nSecond line")

    for page in (anna, bob):
        expect(page.get_by_test_id("message")).to_have_count(2)
        assert message_texts(page) == [
            "Hello Anna! Notes: https://example.com/notes",
            "Hi Bob 👋\nSecond line",
        ]
    link = anna.get_by_role("link", name="https://example.com/notes")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    # Our own messages are set apart; others' carry the sender's name.
    expect(anna.locator('[data-testid="message"].own')).to_have_count(1)
    expect(anna.get_by_test_id("sender").first).to_have_text("Bob")

    bob.close()
    expect(anna.get_by_text("Bob left")).to_be_visible()
    screenshot(anna, "two-people-chat")
    assert anna.page_errors == []


def test_a_late_joiner_sees_the_history(lanchat, new_page):
    anna = new_page()
    join_room(anna, lanchat.url, "Anna", "history")
    for number in range(1, 6):
        send_message(anna, f"earlier message {number}")
    expect(anna.locator('[data-testid="message"][data-state="sent"]')).to_have_count(5)

    carol = new_page()
    carol.goto(lanchat.url)
    # The room is listed, with its member count, on the first screen.
    expect(carol.get_by_test_id("room-list")).to_contain_text("history")
    expect(carol.get_by_test_id("room-list")).to_contain_text("1 member")
    carol.get_by_label("Name").fill("Carol")
    carol.get_by_role("button", name=re.compile(r"^history")).click()
    wait_connected(carol)
    expect(carol.get_by_test_id("message")).to_have_count(5)
    assert message_texts(carol) == [f"earlier message {number}" for number in range(1, 6)]


def test_a_server_restart_loses_nothing_and_doubles_nothing(lanchat, new_page):
    anna = new_page()
    bob = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    join_room(bob, lanchat.url, "Bob", "general")
    send_message(anna, "before the restart")
    expect(bob.get_by_test_id("message")).to_have_count(1)

    lanchat.stop()
    for page in (anna, bob):
        expect(page.get_by_test_id("connection-status")).not_to_have_attribute("data-status", "connected")
    send_message(anna, "typed while the server was down")
    expect(anna.locator('[data-testid="message"][data-state="pending"]')).to_have_count(1)
    expect(anna.get_by_test_id("connection-status")).to_contain_text(re.compile(r"Reconnecting|Connecting"))
    screenshot(anna, "restart-outbox-pending")

    lanchat.start()  # same port, same history
    for page in (anna, bob):
        wait_connected(page, timeout=30_000)
    expected = ["before the restart", "typed while the server was down"]
    for page in (anna, bob):
        expect(page.locator('[data-testid="message"][data-state="sent"]')).to_have_count(2)
        assert message_texts(page) == expected
    expect(anna.locator('[data-testid="message"][data-state="pending"]')).to_have_count(0)

    send_message(bob, "after the restart")
    for page in (anna, bob):
        expect(page.get_by_test_id("message")).to_have_count(3)
    # A reload replays the stored history: still exactly once each.
    anna.reload()
    wait_connected(anna)
    expect(anna.get_by_test_id("message")).to_have_count(3)
    assert message_texts(anna) == [*expected, "after the restart"]


def test_markup_in_a_message_stays_text(lanchat, new_page):
    anna = new_page()
    bob = new_page()
    dialogs: list[str] = []
    bob.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    join_room(anna, lanchat.url, "Anna", "xss")
    join_room(bob, lanchat.url, "Bob", "xss")
    send_message(anna, XSS)
    expect(bob.get_by_test_id("message")).to_have_count(1)
    assert message_texts(bob) == [XSS]
    assert bob.get_by_test_id("message-list").locator("img").count() == 0
    send_message(anna, "javascript:alert(2)")
    expect(bob.get_by_test_id("message")).to_have_count(2)
    assert bob.get_by_test_id("message-list").locator("a").count() == 0
    time.sleep(0.3)
    assert dialogs == []


def test_switching_rooms_keeps_drafts_and_counts_unread(lanchat, new_page):
    anna = new_page()
    bob = new_page()
    join_room(anna, lanchat.url, "Anna", "general")
    anna.get_by_role("button", name="Join a room").click()
    anna.get_by_label("Room", exact=True).first.fill("random")
    anna.get_by_role("button", name="Join", exact=True).first.click()
    wait_connected(anna)
    expect(anna.get_by_role("heading", name="random")).to_be_visible()
    anna.get_by_label("Message", exact=True).fill("half-written thought")

    join_room(bob, lanchat.url, "Bob", "general")
    send_message(bob, "ping from general")
    sidebar = anna.get_by_role("navigation", name="Your rooms")
    expect(sidebar.get_by_test_id("unread")).to_have_text(re.compile(r"^1"))

    sidebar.get_by_role("button", name=re.compile(r"^general")).click()
    expect(anna.get_by_test_id("message")).to_have_count(1)
    expect(sidebar.get_by_test_id("unread")).to_have_count(0)
    sidebar.get_by_role("button", name=re.compile(r"^random")).click()
    expect(anna.get_by_label("Message", exact=True)).to_have_value("half-written thought")


def test_the_russian_ui_renders(lanchat, new_page):
    page = new_page(locale="ru-RU")
    page.goto(lanchat.url)
    expect(page.get_by_role("heading", name="Войти в комнату")).to_be_visible()
    page.get_by_label("Имя").fill("Аня")
    page.get_by_label("Комната", exact=True).first.fill("Общая")
    page.get_by_role("button", name="Войти", exact=True).first.click()
    wait_connected(page)
    expect(page.get_by_test_id("connection-status")).to_have_text("Подключено")
    page.get_by_label("Сообщение", exact=True).fill("Привет всем! " + "ё" * 3600)
    expect(page.get_by_test_id("char-counter")).to_have_text("3613 из 4000 символов")
    page.get_by_label("Сообщение", exact=True).fill("Привет всем!")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_test_id("message")).to_have_count(1)
    screenshot(page, "russian-room")
    # The language can be switched by hand, and stays switched.
    page.get_by_label("Язык").select_option("en")
    expect(page.get_by_test_id("connection-status")).to_have_text("Connected")
    page.reload()
    wait_connected(page)
    expect(page.get_by_test_id("connection-status")).to_have_text("Connected")


def test_a_narrow_window_stays_usable_with_the_keyboard_alone(lanchat, new_page):
    page = new_page(width=400, height=720, color_scheme="dark")
    page.goto(lanchat.url)
    # The name field has the focus on the first screen.
    expect(page.get_by_label("Name")).to_be_focused()
    page.keyboard.type("Dana")
    page.keyboard.press("Tab")
    page.keyboard.type("narrow")
    page.keyboard.press("Enter")
    wait_connected(page)
    # The composer has the focus once the room opens.
    page.keyboard.type("typed without a mouse")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("on two lines")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("message")).to_have_count(1)
    assert message_texts(page) == ["typed without a mouse\non two lines"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways at 400 px ({width} px wide)"
    screenshot(page, "narrow-dark-room")
    page.get_by_role("button", name="Rooms").click()
    expect(page.get_by_role("navigation", name="Your rooms")).to_be_visible()
    screenshot(page, "narrow-dark-sidebar")


def test_an_address_that_refuses_is_explained_with_a_retry(lanchat, new_page):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    page = new_page()
    page.goto(lanchat.url)
    page.get_by_label("Name").fill("Eve")
    page.get_by_text("Join a room on another computer").click()
    form = page.get_by_role("form", name="Join a room on another computer")
    form.get_by_label("Address").fill("not an address")
    form.get_by_role("button", name="Join").click()
    expect(page.get_by_text("Add the port after a colon")).to_be_visible()
    form.get_by_label("Address").fill(f"127.0.0.1:{closed_port}")
    form.get_by_label("Room").fill("general")
    form.get_by_role("button", name="Join").click()
    status = page.get_by_test_id("join-status")
    expect(status).to_contain_text(f"127.0.0.1:{closed_port} refused the connection")
    screenshot(page, "join-refused")
    status.get_by_role("button", name="Retry").click()
    expect(status).to_contain_text("refused the connection")

    # The same form reaches a real host by address.
    form.get_by_label("Address").fill(lanchat.host)
    form.get_by_role("button", name="Join").click()
    wait_connected(page)


def test_an_address_that_never_answers_times_out(lanchat, new_page):
    # Listens (so the TCP connection opens) but never answers the WebSocket handshake.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        page = new_page()
        page.goto(lanchat.url)
        page.get_by_label("Name").fill("Eve")
        page.get_by_text("Join a room on another computer").click()
        form = page.get_by_role("form", name="Join a room on another computer")
        form.get_by_label("Address").fill(f"127.0.0.1:{silent.getsockname()[1]}")
        form.get_by_label("Room").fill("general")
        form.get_by_role("button", name="Join").click()
        expect(page.get_by_test_id("join-status")).to_contain_text(
            "did not answer within 8 seconds", timeout=15_000
        )
    finally:
        silent.close()


def test_a_long_history_loads_older_messages_when_scrolling_up(tmp_path, serve_process, new_page):
    data = tmp_path / "data"
    store = SqliteHistoryStore(data)
    for number in range(1, 451):
        store.append("long", "Bob", f"old message {number}")
    store.close()
    server = serve_process(data_dir=data)
    page = new_page()
    join_room(page, server.url, "Anna", "long")
    newest = page.locator('[data-key="m450"]')
    expect(newest).to_be_visible()
    # Only what is near the viewport is in the DOM.
    assert page.get_by_test_id("message").count() < 60
    history = page.get_by_test_id("message-list")
    for _ in range(100):
        if page.locator('[data-key="beginning"]').count():
            break
        history.evaluate("list => { list.scrollTop = 0 }")
        page.wait_for_timeout(50)
    expect(page.get_by_text("This is the beginning of long.")).to_be_visible()
    expect(page.locator('[data-key="m1"]')).to_be_visible()
    # Sending scrolls back down to the newest message.
    send_message(page, "and a new one")
    expect(page.locator('[data-testid="message"]', has_text="and a new one")).to_be_visible()
    expect(newest).to_be_visible()


# Newer Chromium refuses on its own to let a public page reach loopback or LAN addresses (Local
# Network Access); Firefox, Safari and older Chromium and Qt WebEngine builds do not. With those
# checks off, what stops the page is the server.
WITHOUT_LOCAL_NETWORK_CHECKS = (
    "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests"
)
ATTEMPT_FROM_ELSEWHERE = """async (base) => {
  const api = await fetch(base + 'api/rooms').then(() => 'read', () => 'blocked')
  const socket = await new Promise((resolve) => {
    const ws = new WebSocket(base.replace('http:', 'ws:') + 'ws/general')
    let first = null
    ws.onmessage = (event) => { first = JSON.parse(event.data) }
    ws.onclose = (event) => resolve({ code: event.code, first })
  })
  return { api, socket }
}"""


def test_a_web_site_elsewhere_can_neither_read_nor_join_the_rooms(lanchat, browser):
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    permissive = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, WITHOUT_LOCAL_NETWORK_CHECKS]
    )
    try:
        page = permissive.new_page()
        # A page the user merely visits, under a public name; the test serves it, nothing leaves the machine.
        page.route(
            "http://chat-snoop.example/**",
            lambda route: route.fulfill(
                content_type="text/html", body="<!doctype html><title>elsewhere</title>"
            ),
        )
        page.goto("http://chat-snoop.example/")

        result = page.evaluate(ATTEMPT_FROM_ELSEWHERE, lanchat.url)
    finally:
        permissive.close()

    assert result["api"] == "blocked"  # no CORS grant for it
    assert result["socket"]["code"] == 4003
    assert result["socket"]["first"]["code"] == "origin_not_allowed"
