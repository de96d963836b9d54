"""Files between two people in Debian's Chromium against a real `lanchat serve`: sent with the
attach button, by dropping them onto the room and by pasting an image; the other person sees the
file card and the image preview (sized before it loads), opens the image large and downloads the
file's exact bytes. Both languages; a refused upload says why and offers retry."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest

from tests.support.browser import join_room, join_room_in_russian, screenshot
from tests.support.images import png_bytes

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect
Image = pytest.importorskip("PIL.Image", reason="Pillow is missing")


def _files_in_page(page, files: list[tuple[str, str, bytes]]):
    """A DataTransfer holding these (name, type, bytes), as a drag from a folder or a paste brings."""
    payload = [
        {"name": name, "type": kind, "data": base64.b64encode(data).decode()} for name, kind, data in files
    ]
    return page.evaluate_handle(
        """(files) => {
          const transfer = new DataTransfer();
          for (const { name, type, data } of files) {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            transfer.items.add(new File([bytes], name, { type }));
          }
          return transfer;
        }""",
        payload,
    )


def drop_files(page, files) -> None:
    transfer = _files_in_page(page, files)
    zone = page.get_by_test_id("drop-zone")
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def paste_files(page, files) -> None:
    transfer = _files_in_page(page, files)
    page.locator("#composer-text").evaluate(
        "(field, transfer) => field.dispatchEvent(new ClipboardEvent('paste',"
        " { clipboardData: transfer, bubbles: true, cancelable: true }))",
        transfer,
    )


def test_files_sent_by_button_reach_the_other_person_who_downloads_the_same_bytes(
    lanchat, new_page, tmp_path
):
    anna = new_page()
    bob = new_page()
    join_room(anna, lanchat.url, "Anna", "files")
    join_room(bob, lanchat.url, "Bob", "files")
    report = tmp_path / "report 1.pdf"
    report.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4000)
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes(800, 600))

    anna.get_by_test_id("attach-input").set_input_files([str(report), str(photo)])
    card = bob.get_by_test_id("file-card")
    expect(card).to_have_count(1, timeout=20_000)
    expect(card.get_by_test_id("file-name")).to_have_text("report 1.pdf")
    expect(card).to_contain_text("1 MB")
    preview = bob.get_by_test_id("image-preview")
    expect(preview).to_have_count(1)
    # The box is the frame's size scaled into 320x240, set before the image arrives.
    image = preview.locator("img")
    assert (image.get_attribute("width"), image.get_attribute("height")) == ("320", "240")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0
    expect(anna.get_by_test_id("uploads")).to_have_count(0)
    screenshot(bob, "files-en")

    with bob.expect_download() as download_info:
        card.get_by_test_id("download").click()
    saved = tmp_path / "downloaded.pdf"
    download_info.value.save_as(saved)
    assert download_info.value.suggested_filename == "report 1.pdf"
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(report.read_bytes()).digest()
    expect(card.get_by_test_id("download-done")).to_have_text("Downloaded")

    preview.click()
    viewer = bob.get_by_test_id("image-viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator("img")).to_have_js_property("naturalWidth", 800)
    bob.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    assert not anna.page_errors and not bob.page_errors


def test_dropped_and_pasted_files_reach_the_other_person_in_russian_and_at_400_px(lanchat, new_page):
    anna = new_page(locale="ru-RU", width=400, height=760)
    bob = new_page()
    join_room_in_russian(anna, lanchat.url, "Анна", "файлы")
    join_room(bob, lanchat.url, "Bob", "файлы")

    transfer = _files_in_page(anna, [("заметки.txt", "text/plain", "привет".encode())])
    anna.get_by_test_id("drop-zone").dispatch_event("dragenter", {"dataTransfer": transfer})
    expect(anna.get_by_test_id("drop-hint")).to_have_text("Отпустите файлы здесь, чтобы отправить их")
    screenshot(anna, "files-drop-ru-400")
    anna.get_by_test_id("drop-zone").dispatch_event("drop", {"dataTransfer": transfer})
    expect(anna.get_by_test_id("drop-hint")).to_have_count(0)
    expect(bob.get_by_test_id("file-name")).to_have_text("заметки.txt", timeout=20_000)

    paste_files(anna, [("image.png", "image/png", png_bytes(120, 400))])
    preview = bob.get_by_test_id("image-preview")
    expect(preview).to_have_count(1, timeout=20_000)
    image = preview.locator("img")
    assert (image.get_attribute("width"), image.get_attribute("height")) == ("72", "240")
    # What Anna sees of her own files, in Russian, in a narrow window.
    expect(anna.get_by_test_id("image-preview")).to_have_count(1)
    expect(anna.get_by_test_id("file-card").get_by_test_id("download")).to_have_text("Скачать")
    screenshot(anna, "files-ru-400")
    assert not anna.page_errors and not bob.page_errors


@pytest.mark.parametrize(
    ("locale", "reason", "retry"),
    [
        ("en-US", "Not sent: this file is larger than the host accepts.", "Retry"),
        ("ru-RU", "Не отправлено: файл больше, чем принимает хост.", "Повторить"),  # noqa: RUF001
    ],
)
def test_a_refused_upload_says_why_and_offers_retry(serve_process, new_page, tmp_path, locale, reason, retry):
    lanchat = serve_process(extra_args=("--max-file-mib", "1"))
    page = new_page(locale=locale)
    if locale == "ru-RU":
        join_room_in_russian(page, lanchat.url, "Анна", "limits")
    else:
        join_room(page, lanchat.url, "Anna", "limits")
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(1024 * 1024 + 1))  # one byte over the host's limit
    page.get_by_test_id("attach-input").set_input_files(str(big))
    expect(page.get_by_test_id("upload-error")).to_have_text(reason, timeout=20_000)
    expect(page.get_by_test_id("upload-retry")).to_have_text(retry)
    screenshot(page, f"files-refused-{locale}")
    page.get_by_test_id("upload-dismiss").click()
    expect(page.get_by_test_id("uploads")).to_have_count(0)


def test_cancel_stops_an_upload_and_the_host_drops_what_it_had(serve_process, new_page, tmp_path):
    data_dir = tmp_path / "data"
    lanchat = serve_process(data_dir=data_dir)
    page = new_page()
    join_room(page, lanchat.url, "Anna", "cancel")
    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(512 * 1024 * 1024)
    deletes: list[int] = []
    page.on(
        "response", lambda response: response.request.method == "DELETE" and deletes.append(response.status)
    )
    page.get_by_test_id("attach-input").set_input_files(str(big))
    row = page.get_by_test_id("upload")
    expect(row).to_have_attribute("data-state", "uploading", timeout=30_000)
    page.get_by_test_id("upload-cancel").click()
    expect(row).to_have_count(0)
    # The host may still be finishing the cut PATCH (423): tus asks again until it is dropped.
    deadline = time.monotonic() + 15
    while 204 not in deletes and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert 204 in deletes, deletes
    assert list((data_dir / "files" / "partial").iterdir()) == []


def _enter_private(page, url: str, name: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Room", exact=True).first.fill("team")
    page.get_by_role("button", name="Join", exact=True).first.click()
    prompt = page.get_by_test_id("room-password")
    prompt.get_by_label("Room password").fill(password)
    prompt.get_by_role("button", name="Enter room").click()
    page.get_by_role("log").wait_for()
    expect(page.get_by_test_id("room-lock")).to_be_visible()


def test_a_private_rooms_files_open_to_its_members_and_not_to_anyone_else(serve_process, new_page, tmp_path):
    secret = tmp_path / "password"
    secret.write_text("team secret\n", encoding="utf-8")
    lanchat = serve_process(extra_args=("--private-room", f"team={secret}"))
    anna = new_page()
    bob = new_page()
    _enter_private(anna, lanchat.url, "Anna", "team secret")
    _enter_private(bob, lanchat.url, "Bob", "team secret")
    photo = tmp_path / "plan.png"
    photo.write_bytes(png_bytes(300, 200))
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"for the team only\n")
    anna.get_by_test_id("attach-input").set_input_files([str(photo), str(notes)])

    # Bob's <img> and download carry no header: the room's access cookie opens them.
    image = bob.get_by_test_id("image-preview").locator("img")
    expect(image).to_have_js_property("complete", True, timeout=20_000)
    assert image.evaluate("img => img.naturalWidth") > 0
    card = bob.get_by_test_id("file-card")
    with bob.expect_download() as download_info:
        card.get_by_test_id("download").click()
    saved = tmp_path / "notes-downloaded.txt"
    download_info.value.save_as(saved)
    assert saved.read_bytes() == notes.read_bytes()

    # Someone who knows the address but not the password: refused.
    href = card.get_by_test_id("file-name").get_attribute("href")
    stranger = new_page()
    response = stranger.request.get(href)
    assert response.status == 403
    assert not anna.page_errors and not bob.page_errors
