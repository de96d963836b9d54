"""How fast the chat UI shows a room with 5,000 messages, in Debian's Chromium against a real server.

Run by hand after building the UI (`cd ui && npm run build`):

    .venv/bin/python tests/bench/ui_render.py [--messages 5000]

It seeds a fresh history folder, starts `python -m server` on a free loopback port, and
prints: the first paint of a fresh page (the Join screen: Chromium's first-contentful-paint, and
when the Name field is drawn) and of a reload with the room joined (its newest message drawn),
each the median of five loads; join to newest message on screen; scrolling up until all older history is
loaded; switching back to the room with every message in memory (a full re-render of
the list); scroll frame times across the whole history; rows in the DOM; and the gzip
size of the built JavaScript. Nothing leaves loopback.

The room looks like one in use (issue 15): every 5th message replies to an earlier one
(its quote is drawn) and every 3rd carries one to three reactions from several people.
`--plain` seeds text only, as the benchmark did before, to compare.

`--members 1024` measures a full room's member list instead (issue 26): 1,023 lean WebSocket
clients (load_client.py, each with a name, spread over 127.0.0.2-4 since one address holds 512
room sockets) fill the room, then the page joins as the 1,024th. It prints join to the member
count and first rows drawn, member rows in the DOM, frame times scrolling the member list, and a
burst of 100 members leaving, then 100 joining: time until the list shows it and the page's
long tasks meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests" / "bench"))

from load_client import Connection, connect  # noqa: E402

from server.storage.sqlite_history import SqliteHistoryStore  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, wait_connected  # noqa: E402
from tests.support.server_process import ServeProcess  # noqa: E402

ROOM = "bench"
SENDERS = ["Anna", "Bob", "Carol", "Dmitri", "Ёжик"]
REACTIONS = ["👍", "❤️", "😂", "🎉"]

WAIT_FOR_ROW = """async ([key, started]) => {
  const t0 = started ?? performance.now()
  while (!document.querySelector(`[data-key="${key}"]`)) await new Promise(requestAnimationFrame)
  await new Promise(requestAnimationFrame)
  return performance.now() - t0
}"""

# Waits for an element, not a row: an empty room has no rows at all, only its "empty" line
# (waiting for its "beginning" row, as this once did, waited forever).
CLICK_AND_WAIT = """async ([selector, shown]) => {
  const t0 = performance.now()
  document.querySelector(selector).click()
  while (!document.querySelector(shown)) await new Promise(requestAnimationFrame)
  await new Promise(requestAnimationFrame)
  return performance.now() - t0
}"""

# From the page's first script on: when the Join screen's Name field and the newest message are
# first drawn (a frame after they are in the DOM), in ms since navigation start.
DRAWN_AT = """(() => {
  window.__drawnAt = {}
  const watch = () => {
    for (const [what, selector] of [['join', '#join-name'], ['message', '[data-testid="message"]']])
      if (!(what in window.__drawnAt) && document.querySelector(selector))
        requestAnimationFrame(() => (window.__drawnAt[what] ??= performance.now()))
    if (!('join' in window.__drawnAt && 'message' in window.__drawnAt)) requestAnimationFrame(watch)
  }
  requestAnimationFrame(watch)
})()"""
FIRST_PAINT = "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
LOADS = 5

LOAD_ALL = """async () => {
  const list = document.querySelector('[data-testid="message-list"]')
  const t0 = performance.now()
  while (!document.querySelector('[data-key="beginning"]')) {
    list.scrollTop = 0
    list.dispatchEvent(new Event('scroll'))
    await new Promise(requestAnimationFrame)
    if (performance.now() - t0 > 120000) throw new Error('older history did not finish loading')
  }
  await new Promise(requestAnimationFrame)
  return performance.now() - t0
}"""

SCROLL_THROUGH = """async () => {
  const list = document.querySelector('[data-testid="message-list"]')
  const steps = []
  let rows = 0
  list.scrollTop = 0
  await new Promise(requestAnimationFrame)
  while (list.scrollTop + list.clientHeight < list.scrollHeight - 2) {
    const t0 = performance.now()
    list.scrollTop += list.clientHeight
    await new Promise(requestAnimationFrame)
    await new Promise(requestAnimationFrame)
    steps.push(performance.now() - t0)
    rows = Math.max(rows, list.querySelectorAll('[data-key]').length)
  }
  return { steps, rows }
}"""


# The member list's rows. What scrolls them is found as the nearest ancestor that can (the panel
# itself before the list was windowed, a box inside it after).
MEMBER_ROWS = '[data-testid="members"] li'
# Resolves a frame after the heading says `count` members and a row is drawn: ms since `since`
# (a performance.now() of the page) or since the call.
WAIT_FOR_MEMBERS = """async ([rows, count, since]) => {
  const t0 = since ?? performance.now()
  const heading = () => document.querySelector('#room-members h2')?.textContent ?? ''
  while (!(heading().includes(`(${count})`) && document.querySelector(rows)))
    await new Promise(requestAnimationFrame)
  await new Promise(requestAnimationFrame)
  return performance.now() - t0
}"""

# From the page's first script on: how long the main thread is busy with each frame that tells
# who is in the room (welcome, presence, members): the app's handler (useReconnectingSocket sets
# `onmessage`) and Vue's update, a microtask it queued, which runs before the one queued after it.
TIME_MEMBER_FRAMES = """(() => {
  window.__memberFrameWork = []
  const Native = window.WebSocket
  const handler = Object.getOwnPropertyDescriptor(Native.prototype, 'onmessage')
  window.WebSocket = class extends Native {
    set onmessage(listener) {
      handler.set.call(this, (event) => {
        const kind = /^\\{"type":"(welcome|presence|members)"/.exec(event.data)?.[1]
        const t0 = performance.now()
        listener(event)
        if (kind) queueMicrotask(() => window.__memberFrameWork.push([kind, performance.now() - t0]))
      })
    }
    get onmessage() {
      return handler.get.call(this)
    }
  }
})()"""
TAKE_MEMBER_FRAMES = (
    "(() => { const taken = window.__memberFrameWork; window.__memberFrameWork = []; return taken })()"
)

# From now on: the page's long tasks (over 50 ms on the main thread) and the gaps between its
# frames, to tell the page's own work in a burst from the time the server takes to tell it.
WATCH_PAGE = """() => {
  window.__longTasks = []
  window.__frameGaps = []
  window.__longTaskObserver?.disconnect()
  window.__longTaskObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push(entry.duration)
  })
  window.__longTaskObserver.observe({ type: 'longtask' })
  const watching = (window.__watching = {})
  let last = performance.now()
  const frame = (now) => {
    if (window.__watching !== watching) return
    window.__frameGaps.push(now - last)
    last = now
    requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
  return performance.now()
}"""
PAGE_WATCHED = "(() => { window.__watching = null; return [window.__longTasks, window.__frameGaps] })()"

SCROLL_MEMBERS = """async (rows) => {
  let list = document.querySelector(rows).parentElement
  while (list && !(list.scrollHeight > list.clientHeight + 1
      && getComputedStyle(list).overflowY !== 'visible')) list = list.parentElement
  const steps = []
  let most = 0
  list.scrollTop = 0
  await new Promise(requestAnimationFrame)
  while (list.scrollTop + list.clientHeight < list.scrollHeight - 2) {
    const t0 = performance.now()
    list.scrollTop += list.clientHeight
    await new Promise(requestAnimationFrame)
    await new Promise(requestAnimationFrame)
    steps.push(performance.now() - t0)
    most = Math.max(most, document.querySelectorAll(rows).length)
  }
  return { steps, rows: most, viewport: list.clientHeight }
}"""

# Members come from addresses other than the page's (127.0.0.1): one address holds 512 room sockets.
MEMBER_SOURCES = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
BURST = 100


class Crowd:
    """Lean WebSocket members of one room, on an event loop of their own in a thread (the page is
    driven by Playwright's synchronous API on the main thread)."""

    def __init__(self, port: int, room: str) -> None:
        self.port = port
        self.room = room
        self.members: list[Connection] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=300)

    @staticmethod
    def name(number: int) -> str:
        return f"{SENDERS[number % len(SENDERS)]} {number:04d}"

    async def _join(self, numbers: range) -> None:
        for number in numbers:
            path = f"/ws/{self.room}?v=2&name={quote(self.name(number))}"
            source = MEMBER_SOURCES[number % len(MEMBER_SOURCES)]
            self.members.append(await connect(self.port, path, offer_deflate=False, source=source))

    def join(self, numbers: range) -> None:
        self._run(self._join(numbers))

    async def _drop(self, count: int) -> None:
        for member in self.members[-count:]:
            member.abort()
        del self.members[-count:]

    def drop(self, count: int) -> None:
        """The last `count` members go at once (their sockets closed without a goodbye)."""
        self._run(self._drop(count))

    def close(self) -> None:
        self.drop(len(self.members))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def _frames(steps: list[float]) -> str:
    steps = sorted(steps)
    return (
        f"{len(steps)} steps, median {statistics.median(steps):.1f} ms, "
        f"p95 {steps[int(len(steps) * 0.95)]:.1f} ms, max {steps[-1]:.1f} ms (two frames each)"
    )


def member_list(browser, server: ServeProcess, size: int) -> None:
    """A room of `size` (the page the last to join): the member list's figures."""
    room = "crowd"
    crowd = Crowd(server.port, room)
    try:
        started = time.perf_counter()
        crowd.join(range(size - 1))
        print(f"{size - 1} lean members joined in {time.perf_counter() - started:.1f} s")
        time.sleep(2)  # their presence settled
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.add_init_script(TIME_MEMBER_FRAMES)
        page.goto(server.url)
        page.get_by_label("Name").fill("Bench")
        page.get_by_label("Room", exact=True).first.fill(room)
        t0 = page.evaluate("performance.now()")
        page.get_by_role("button", name="Join", exact=True).first.click()
        join_ms = page.evaluate(WAIT_FOR_MEMBERS, [MEMBER_ROWS, size, t0])
        wait_connected(page)
        print(f"join -> 'Members ({size})' and the first member rows drawn: {join_ms:.0f} ms")
        welcome = [ms for kind, ms in page.evaluate(TAKE_MEMBER_FRAMES) if kind == "welcome"]
        print(f"the welcome with {size} members: {sum(welcome):.1f} ms of the page's main thread")
        print(f"member rows in the DOM: {page.locator(MEMBER_ROWS).count()}")
        scrolled = page.evaluate(SCROLL_MEMBERS, MEMBER_ROWS)
        print(
            f"scrolling the member list a screen ({scrolled['viewport']} px) at a time: "
            f"{_frames(scrolled['steps'])}, at most {scrolled['rows']} rows in the DOM"
        )
        for what, act, count in (
            ("leave", lambda: crowd.drop(BURST), size - BURST),
            ("join", lambda: crowd.join(range(size, size + BURST)), size),
        ):
            page.evaluate(TAKE_MEMBER_FRAMES)
            since = page.evaluate(WATCH_PAGE)
            act()
            shown_ms = page.evaluate(WAIT_FOR_MEMBERS, [MEMBER_ROWS, count, since])
            time.sleep(1)  # whatever else the burst brings
            tasks, gaps = page.evaluate(PAGE_WATCHED)
            work = sorted(ms for _, ms in page.evaluate(TAKE_MEMBER_FRAMES))
            print(
                f"{BURST} members {what} at once -> 'Members ({count})' drawn: {shown_ms:.0f} ms; "
                f"meanwhile the page's longest frame {max(gaps, default=0):.0f} ms, "
                f"{sum(gap > 20 for gap in gaps)} frames over 20 ms, "
                f"long tasks {len(tasks)} ({sum(tasks):.0f} ms in all)"
            )
            if work:
                print(
                    f"  main thread per frame saying who is here: {len(work)} frames, "
                    f"median {statistics.median(work):.1f} ms, max {work[-1]:.1f} ms, "
                    f"{sum(work):.0f} ms in all"
                )
        page.close()
    finally:
        crowd.close()


def seed(data_dir: Path, count: int, *, plain: bool = False) -> int:
    """Store `count` messages (with replies and reactions unless `plain`); the newest one's id."""
    store = SqliteHistoryStore(data_dir)
    ids: list[int] = []
    try:
        for number in range(1, count + 1):
            sender = SENDERS[number % len(SENDERS)]
            if number % 7 == 0:
                text = (
                    f"Message {number}: a longer one that wraps over several lines in a normal window. " * 3
                )
            elif number % 11 == 0:
                text = f"Message {number}\nwith a second line\nand a link https://example.com/{number}"
            else:
                text = f"Message {number}"
            reply_to = ids[-3] if not plain and number % 5 == 0 and len(ids) >= 3 else None
            ids.append(store.append(ROOM, sender, text, reply_to=reply_to).id)
            if not plain and number % 3 == 0:
                for who in range(1 + number % 3):
                    emoji = REACTIONS[(number + who) % len(REACTIONS)]
                    store.react(ROOM, ids[-1], emoji, f"{who:016x}", SENDERS[who], True)
        return ids[-1]
    finally:
        store.close()


def js_gzip_sizes() -> list[tuple[str, int, int]]:
    sizes = []
    for path in sorted((ROOT / "ui" / "dist" / "assets").glob("*.js")):
        raw = path.read_bytes()
        sizes.append((path.name, len(raw), len(gzip.compress(raw, compresslevel=9))))
    return sizes


def _drawn(page, what: str) -> float:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        value = page.evaluate(f"window.__drawnAt?.['{what}'] ?? null")
        if value is not None:
            return float(value)
        time.sleep(0.02)
    raise TimeoutError(f"{what} was never drawn")


def first_paint(browser, url: str, newest: int) -> None:
    """A fresh page's first paint (the Join screen), then a reload with the room joined (the
    room's newest message), each the median of LOADS loads in a new browser context (cold cache)."""
    paints, joins, rooms = [], [], []
    for _ in range(LOADS):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(DRAWN_AT)
        page = context.new_page()
        page.goto(url)
        joins.append(_drawn(page, "join"))
        paint = None
        for _ in range(100):  # the paint timing entry is queued a moment after the frame
            paint = page.evaluate(FIRST_PAINT)
            if paint is not None:
                break
            time.sleep(0.02)
        paints.append(paint)
        page.get_by_label("Name").fill("Bench")
        page.get_by_label("Room", exact=True).first.fill(ROOM)
        page.get_by_role("button", name="Join", exact=True).first.click()
        page.locator(f'[data-key="m{newest}"]').wait_for()
        page.reload()
        rooms.append(_drawn(page, "message"))
        context.close()
    print(
        f"fresh page -> first contentful paint: median {statistics.median(paints):.0f} ms;"
        f" Join screen's Name field drawn: median {statistics.median(joins):.0f} ms"
        f" (of {', '.join(f'{j:.0f}' for j in joins)})"
    )
    print(
        f"reload with the room joined -> a message drawn: median {statistics.median(rooms):.0f} ms"
        f" (of {', '.join(f'{r:.0f}' for r in rooms)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--plain", action="store_true", help="no replies or reactions")
    parser.add_argument(
        "--members", type=int, default=0, help="measure the member list of a room this full instead"
    )
    args = parser.parse_args()
    os.environ["LANCHAT_DISCOVERY"] = "off"  # nothing announced on the machine's network
    if not (ROOT / "ui" / "dist" / "index.html").is_file():
        print("build the UI first: cd ui && npm ci && npm run build", file=sys.stderr)
        return 1

    from playwright.sync_api import sync_playwright

    if args.members:
        return members_only(args.members)

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        started = time.perf_counter()
        newest = seed(data, args.messages, plain=args.plain)
        kind = "plain" if args.plain else "with replies (1 in 5) and reactions (1 in 3)"
        print(f"seeded {args.messages} messages {kind} in {time.perf_counter() - started:.1f} s")
        server = ServeProcess(data_dir=data)
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                first_paint(browser, server.url, newest)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(server.url)
                page.get_by_label("Name").fill("Bench")
                page.get_by_label("Room", exact=True).first.fill(ROOM)
                t0 = page.evaluate("performance.now()")
                page.get_by_role("button", name="Join", exact=True).first.click()
                join_ms = page.evaluate(WAIT_FOR_ROW, [f"m{newest}", t0])
                wait_connected(page)
                print(
                    f"join -> newest message on screen ({min(100, args.messages)} replayed): {join_ms:.0f} ms"
                )

                load_ms = page.evaluate(LOAD_ALL)
                held = page.evaluate("document.querySelectorAll('[data-key]').length")
                print(
                    f"scroll up until all {args.messages} messages are loaded (HTTP pages of 200):"
                    f" {load_ms:.0f} ms"
                )
                print(f"rows in the DOM with {args.messages} loaded: {held}")

                scrolled = page.evaluate(SCROLL_THROUGH)
                steps = sorted(scrolled["steps"])
                print(
                    f"scrolling the whole history a screen at a time: {len(steps)} steps, "
                    f"median {statistics.median(steps):.1f} ms, p95 {steps[int(len(steps) * 0.95)]:.1f} ms, "
                    f"max {steps[-1]:.1f} ms (two frames each), at most {scrolled['rows']} rows in the DOM"
                )

                # Another room, then back: the list is rebuilt from all messages in memory.
                page.get_by_role("button", name="Join a room").click()
                page.get_by_label("Room", exact=True).first.fill("elsewhere")
                page.get_by_role("button", name="Join", exact=True).first.click()
                wait_connected(page)
                page.get_by_role("heading", name="elsewhere").wait_for()
                samples = []
                for _ in range(5):
                    samples.append(
                        page.evaluate(
                            CLICK_AND_WAIT,
                            [
                                '[data-testid="joined-rooms"] li:nth-child(1) button',
                                f'[data-key="m{newest}"]',
                            ],
                        )
                    )
                    page.get_by_role("heading", name=ROOM).wait_for()
                    page.evaluate(
                        CLICK_AND_WAIT,
                        ['[data-testid="joined-rooms"] li:nth-child(2) button', ".message-list-frame .empty"],
                    )
                print(
                    f"switch to the room with {args.messages} messages in memory -> list rendered: "
                    f"median {statistics.median(samples):.0f} ms"
                    f" (of {', '.join(f'{s:.0f}' for s in samples)})"
                )
                browser.close()
        finally:
            server.stop()

    for name, raw, packed in js_gzip_sizes():
        print(f"built JavaScript {name}: {raw / 1024:.1f} KiB, gzip {packed / 1024:.1f} KiB")
    return 0


def members_only(size: int) -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = ServeProcess(data_dir=Path(tmp) / "data")
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                member_list(browser, server, size)
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
