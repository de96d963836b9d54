// A windowed list in the manner of VueUse's useVirtualList: only the rows near the viewport are
// in the DOM, so a room with thousands of messages scrolls as lightly as one with ten. Row
// heights vary, so each rendered row is measured and remembered; rows not yet seen use the
// average. After every change the list keeps its place: pinned to the bottom when the reader was
// there, otherwise the anchor row stays where it was on screen. Rows need a unique `key`, and
// each rendered row a `data-key` with it (that is how a measured height finds its row).
import { computed, getCurrentScope, onMounted, onScopeDispose, onUpdated, ref } from 'vue'

const OVERSCAN_PX = 800
const AT_BOTTOM_WITHIN_PX = 48
const GUESS_ROW_PX = 56
// Unmeasured rows count as the average of the first rows measured. Frozen after
// that, so one more measurement never shifts every unseen row at once.
const GUESS_FROM_ROWS = 100
// Measuring can bring new rows into the window, which are then measured in turn.
// That settles within a few renders; past a handful in one go the rest waits for
// the next frame, so a big change never loops inside a single update.
const SYNC_SETTLE_LIMIT = 8

/**
 * @param {import('vue').Ref<Array<{key: string}>>} rows
 * @param {object} options
 * @param {object} options.anchor  where to open: { atBottom: true } or { atBottom: false, key,
 *   offset } (offset: the row's top, in pixels below the viewport's top; `line: true` for a row
 *   the page chose, not the reader: the "New messages" line, a message jumped to; at the bottom
 *   when the list cannot scroll up to it)
 * @param {(anchor: object) => void} [options.onAnchor]  the reader (or a call) moved the anchor
 * @param {(element: HTMLElement) => void} [options.onScroll]  after each scroll event
 */
export function useVirtualRows(
  rows,
  { anchor: startAt, onAnchor = () => {}, onScroll = () => {} },
) {
  const viewport = ref(null)
  const windowEl = ref(null)
  const scrollTop = ref(0)
  const viewportHeight = ref(800)
  const measured = ref(0) // bumped when a row's measured height changes
  const heights = new Map()
  let guess = GUESS_ROW_PX
  let guessTotal = 0
  let guessCount = 0
  let anchor = startAt
  const atBottom = ref(anchor.atBottom)

  const indexByKey = computed(() => new Map(rows.value.map((row, index) => [row.key, index])))

  const offsets = computed(() => {
    void measured.value
    const list = rows.value
    const result = new Float64Array(list.length + 1)
    for (let index = 0; index < list.length; index++) {
      result[index + 1] = result[index] + (heights.get(list[index].key) ?? guess)
    }
    return result
  })

  const totalHeight = computed(() => offsets.value[rows.value.length])

  /** Index of the row that contains vertical position y. */
  function rowAt(y) {
    const edges = offsets.value
    let low = 0
    let high = rows.value.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if (edges[middle] <= y) low = middle
      else high = middle - 1
    }
    return Math.max(0, low)
  }

  const range = computed(() => {
    const count = rows.value.length
    if (!count) return { start: 0, end: 0 }
    const start = rowAt(scrollTop.value - OVERSCAN_PX)
    const end = Math.min(count, rowAt(scrollTop.value + viewportHeight.value + OVERSCAN_PX) + 1)
    return { start, end }
  })

  function measure() {
    const container = windowEl.value
    if (!container) return
    let changed = false
    for (const element of container.children) {
      const key = element.dataset.key
      const height = element.getBoundingClientRect().height
      const known = heights.get(key)
      if (known === height) continue
      if (known === undefined && guessCount < GUESS_FROM_ROWS) {
        guessCount += 1
        guessTotal += height
        guess = guessTotal / guessCount
      }
      heights.set(key, height)
      changed = true
    }
    return changed
  }

  let settleCount = 0
  let settleFrame = 0
  let resetFrame = 0

  function settle() {
    if (measure()) {
      if (settleCount < SYNC_SETTLE_LIMIT) {
        settleCount += 1
        measured.value += 1
      } else if (!settleFrame) {
        settleFrame = requestAnimationFrame(() => {
          settleFrame = 0
          measured.value += 1
        })
      }
    }
    restore()
    // Held at a row (the "New messages" line, a message jumped to) that the list cannot scroll
    // up to, as in a short room: it is at the bottom, with no "jump to latest" over the last row.
    const element = viewport.value
    if (anchor.line && element) atBottom.value = isAtBottom(element)
    resetFrame ||= requestAnimationFrame(() => {
      resetFrame = 0
      settleCount = 0
    })
  }

  function captureAnchor() {
    const element = viewport.value
    if (atBottom.value || !rows.value.length) return { atBottom: true }
    const index = rowAt(element.scrollTop)
    return {
      atBottom: false,
      key: rows.value[index].key,
      offset: offsets.value[index] - element.scrollTop,
    }
  }

  function restore() {
    const element = viewport.value
    if (!element) return
    let target
    if (anchor.atBottom) {
      target = Math.max(0, totalHeight.value - element.clientHeight)
    } else {
      const index = indexByKey.value.get(anchor.key)
      if (index == null) return
      target = Math.max(0, offsets.value[index] - anchor.offset)
    }
    // Render the window for where we are going; the next update lands there exactly.
    scrollTop.value = target
    if (Math.abs(element.scrollTop - target) >= 1) element.scrollTop = target
  }

  function isAtBottom(element) {
    return element.scrollHeight - element.scrollTop - element.clientHeight <= AT_BOTTOM_WITHIN_PX
  }

  function scrolled() {
    const element = viewport.value
    scrollTop.value = element.scrollTop
    viewportHeight.value = element.clientHeight
    atBottom.value = isAtBottom(element)
    anchor = captureAnchor()
    onAnchor(anchor)
    onScroll(element)
  }

  /** Hold the list at `next` ({ atBottom } or { key, offset }) from now on, and go there. */
  function scrollTo(next) {
    anchor = next
    atBottom.value = next.atBottom
    onAnchor(anchor)
    restore()
  }

  let resizeObserver = null
  onMounted(() => {
    viewportHeight.value = viewport.value.clientHeight || viewportHeight.value
    settle()
    resizeObserver = new ResizeObserver(() => {
      viewportHeight.value = viewport.value.clientHeight
      settle()
    })
    resizeObserver.observe(viewport.value)
  })
  onUpdated(settle)
  if (getCurrentScope())
    onScopeDispose(() => {
      resizeObserver?.disconnect()
      cancelAnimationFrame(settleFrame)
      cancelAnimationFrame(resetFrame)
    })

  return {
    // v-bind on the scrolling element, the full-height spacer inside it, and the rendered window.
    containerProps: { ref: viewport, onScrollPassive: scrolled },
    wrapperProps: computed(() => ({ style: { height: `${totalHeight.value}px` } })),
    windowProps: computed(() => ({
      ref: windowEl,
      style: { transform: `translateY(${offsets.value[range.value.start]}px)` },
    })),
    range,
    atBottom,
    scrollTop,
    viewportHeight,
    indexByKey,
    rowAt,
    scrollTo,
    scrollToBottom: () => scrollTo({ atBottom: true }),
    // Read where the viewport is now, as the scroll event will with the next frame: for a scroll
    // the page must follow before then (focus moved to a row at the window's edge).
    readScroll: scrolled,
  }
}
