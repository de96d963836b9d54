"""The host's member menu and the room password panel, in Chromium with a stand-in for pywebview's
`window.pywebview.api` (the window's boundary; the real window is tested by the desktop suite):
only the bans that can work are offered, a refusal reads in the page's language, and the
password panel never shows a direct conversation's internal id nor keeps a password across rooms."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import join_room, join_room_in_russian, keep_for_review, open_hosting, screenshot

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect

SHOTS = Path("/work/shots")

# Bob connects from loopback, as everyone does in this test; a ban is refused the way
# desktop/host_controls.py rejects it: the refusal's code, then the sentence for the log.
FAKE_PYWEBVIEW = """
window.bridgeCalls = [];
const record = (name, result) => (...args) => {
  window.bridgeCalls.push([name, ...args]);
  return Promise.resolve().then(() => result(...args));
};
setTimeout(() => {
  window.pywebview = { api: {
    host_status: record('host_status', () => ({
      hosting: false, port: null, addresses: [], error: null, suggested_port: null,
    })),
    notify: record('notify', () => null),
    set_unread: record('set_unread', () => null),
    open_external: record('open_external', () => null),
    get_settings: record('get_settings', () => ({})),
    save_settings: record('save_settings', () => null),
    host_members: record('host_members', () => [
      { name: 'Bob', identity: '0123456789abcdef', address: '127.0.0.1' },
    ]),
    remove_member: record('remove_member', () => 1),
    ban_identity: record('ban_identity', () => {
      throw new Error('too_many_bans: The host keeps at most 1000 bans; lift one first.');
    }),
    ban_address: record('ban_address', () => ({})),
    host_bans: record('host_bans', () => []),
    unban: record('unban', () => true),
    delete_message: record('delete_message', () => true),
    room_privacy: record('room_privacy', (room) => ({ room, private: false })),
    make_room_private: record('make_room_private', (room) => ({ room, private: true })),
    make_room_open: record('make_room_open', (room) => ({ room, private: false })),
  } };
  window.dispatchEvent(new Event('pywebviewready'));
}, 50);
"""

WORDS = {
    "en-US": {
        "failed": "Could not do that: this server keeps as many bans as it can; lift one first.",
        "menu": "Host actions for Bob",
        "message": "Message",
        "direct": "The conversation with Bob is direct",
        "why": "Enter the name of a room on this computer to give it a password.",
        "rooms": "Rooms",
        "ban-question": "Ban Bob (person 0123456789abcdef) from this server?",
    },
    "ru-RU": {
        "failed": "Не получилось: на сервере уже столько блокировок, сколько он может хранить;",  # noqa: RUF001
        "menu": "Действия владельца сервера: Bob",
        "message": "Написать",
        "direct": "Разговор с Bob личный",  # noqa: RUF001
        "why": "Введите название комнаты на этом компьютере, чтобы поставить на неё пароль.",
        "rooms": "Комнаты",
        "ban-question": "Заблокировать Bob (человек 0123456789abcdef) на этом сервере?",
    },
}


@pytest.mark.parametrize(("locale", "width"), [("en-US", 1100), ("ru-RU", 400)])
def test_the_host_is_offered_only_bans_that_can_work_and_the_password_panel_names_the_person(
    lanchat, new_page, locale, width
):
    words = WORDS[locale]
    bob = new_page()
    join_room(bob, lanchat.url, "Bob", "general")
    host = new_page(locale=locale, width=width)
    host.add_init_script(FAKE_PYWEBVIEW)
    (join_room if locale == "en-US" else join_room_in_russian)(host, lanchat.url, "Anna", "general")

    if width < 700:
        host.get_by_role("button", name="Участники").click()
    host.get_by_role("button", name=words["menu"]).click()
    menu = host.get_by_test_id("member-actions")
    expect(menu.get_by_test_id("ban-identity")).to_be_enabled()
    expect(menu.get_by_test_id("ban-address")).to_have_count(0)  # loopback: the server refuses it
    screenshot(host, f"host-menu-{locale}-{width}")
    # A ban asks first, naming the person and the identity, with Cancel focused: Enter there, and
    # Escape, ban nobody.
    menu.get_by_test_id("ban-identity").click()
    question = menu.get_by_role("alertdialog")
    expect(question).to_contain_text(words["ban-question"])
    expect(question.get_by_test_id("cancel-ban")).to_be_focused()
    keep_for_review(screenshot(host, f"host-ban-question-{locale}-{width}"), SHOTS)
    host.keyboard.press("Enter")
    expect(menu).to_have_count(0)
    host.get_by_role("button", name=words["menu"]).click()
    menu.get_by_test_id("ban-identity").click()
    expect(question.get_by_test_id("cancel-ban")).to_be_focused()
    host.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(host.get_by_role("button", name=words["menu"])).to_be_focused()
    assert host.evaluate("window.bridgeCalls.filter(([name]) => name.startsWith('ban_')).length") == 0
    host.get_by_role("button", name=words["menu"]).click()
    menu.get_by_test_id("ban-identity").click()
    question.get_by_test_id("confirm-ban-button").click()
    expect(host.get_by_test_id("host-failure")).to_contain_text(words["failed"])
    assert host.evaluate("window.bridgeCalls.filter(([name]) => name === 'ban_identity')") == [
        ["ban_identity", "0123456789abcdef", "Bob"]
    ]
    screenshot(host, f"host-refusal-{locale}-{width}")

    # A password typed for general, then the direct conversation with Bob opened.
    if width < 700:
        host.get_by_role("button", name=words["rooms"]).click()
    open_hosting(host)
    panel = host.get_by_test_id("room-privacy")
    expect(panel.get_by_test_id("privacy-room")).to_have_value("general")
    panel.get_by_test_id("privacy-password").fill("a password for general")
    if width < 700:
        host.keyboard.press("Escape")
        host.get_by_role("button", name="Участники").click()
    host.get_by_role("button", name=words["menu"]).click()
    host.get_by_test_id("message-member").click()
    expect(host.get_by_role("heading", name="Bob")).to_be_visible()
    if width < 700:
        host.get_by_role("button", name=words["rooms"]).click()
    expect(panel.get_by_test_id("privacy-direct")).to_contain_text(words["direct"])
    expect(panel.get_by_test_id("privacy-room")).to_have_value("")
    expect(panel.get_by_test_id("privacy-password")).to_have_value("")
    expect(panel.get_by_test_id("privacy-make-private")).to_be_disabled()
    expect(panel.get_by_test_id("privacy-why")).to_have_text(words["why"])
    assert "@dm:" not in panel.inner_text()
    panel.scroll_into_view_if_needed()
    screenshot(host, f"privacy-direct-{locale}-{width}")
    assert host.page_errors == []
