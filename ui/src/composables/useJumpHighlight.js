// The light on a message jumped to (from search, a reply's quote): on for JUMP_HIGHLIGHT_MS,
// then fading for JUMP_FADE_MS, then gone. A few seconds say "this one" without leaving a
// coloured bubble behind for the rest of the reading.
import { onScopeDispose, ref } from 'vue'

export const JUMP_HIGHLIGHT_MS = 2000
export const JUMP_FADE_MS = 1000

export function useJumpHighlight() {
  const key = ref(null)
  const fading = ref(false)
  let timer = 0

  /** Light the row `rowKey` (another one lit before goes dark at once). */
  function highlight(rowKey) {
    clearTimeout(timer)
    key.value = rowKey
    fading.value = false
    timer = setTimeout(() => {
      fading.value = true
      timer = setTimeout(() => (key.value = null), JUMP_FADE_MS)
    }, JUMP_HIGHLIGHT_MS)
  }

  /** The row's class: 'jumped-to' while lit, 'jump-fading' while it fades, else none. */
  function classFor(rowKey) {
    if (rowKey !== key.value) return null
    return fading.value ? 'jump-fading' : 'jumped-to'
  }

  onScopeDispose(() => clearTimeout(timer))
  return { highlight, classFor }
}
