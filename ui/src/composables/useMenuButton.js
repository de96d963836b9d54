// A button that opens a menu, with the keyboard of the WAI-ARIA menu button pattern: the menu
// opens with its first item focused; Up/Down (and Left/Right outside a text field) move between
// its items, wrapping; Home/End go to the first and last; Escape closes it and puts focus back
// on the button; Tab closes it and lets focus go on from there. Items are out of the Tab order
// (tabindex -1), so reaching "Reply" takes arrows, not a Tab per item. A press outside closes
// it too (useDismissable). A menu that closes while focus was inside it, with nowhere else for
// focus to go (the focused item went away), gives focus back to the button.
import { nextTick, toValue, watch } from 'vue'
import { useDismissable } from './useDismissable.js'

// What the arrows move between: the menu's items and any plain controls it holds (a field
// for another emoji, a confirmation's buttons), enabled and shown.
const STOPS = '[role="menuitem"], input, button, textarea, select'

/**
 * @param {import('vue').Ref<boolean>} open
 * @param {import('vue').MaybeRefOrGetter<HTMLElement|null>} menu
 * @param {import('vue').MaybeRefOrGetter<HTMLElement|null>} button
 */
export function useMenuButton(open, menu, button) {
  useDismissable(open, [menu, button])

  const stops = () =>
    [...(toValue(menu)?.querySelectorAll(STOPS) ?? [])].filter((element) => !element.disabled)

  function focusStop(index) {
    const all = stops()
    if (!all.length) return
    all[(index + all.length) % all.length].focus()
  }

  /** Focus the menu's first stop once it is drawn (after it opens, or after its items change). */
  async function focusFirst() {
    await nextTick()
    focusStop(0)
  }

  function close() {
    open.value = false
  }

  function onKeydown(event) {
    const all = stops()
    const at = all.indexOf(document.activeElement)
    const inField = ['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName)
    const moves = {
      ArrowDown: 1,
      ArrowUp: -1,
      ...(inField ? {} : { ArrowRight: 1, ArrowLeft: -1 }),
    }
    if (event.key in moves) {
      focusStop(at < 0 ? 0 : at + moves[event.key])
    } else if (!inField && event.key === 'Home') {
      focusStop(0)
    } else if (!inField && event.key === 'End') {
      focusStop(-1)
    } else if (event.key === 'Escape') {
      // Ours, not the page's: useDismissable's document listener would close it with focus lost.
      event.stopPropagation()
      close()
      toValue(button)?.focus()
      return
    } else if (event.key === 'Tab') {
      // Focus moves on by the browser's own Tab from where it is; the menu just goes.
      close()
      return
    } else {
      return
    }
    event.preventDefault()
  }

  // Closing while focus is inside: if the item that had it is simply gone, the button takes it.
  let focusWasInside = false
  watch(
    open,
    (isOpen) => {
      if (isOpen) return
      focusWasInside = Boolean(toValue(menu)?.contains(document.activeElement))
    },
    { flush: 'sync' },
  )
  watch(open, async (isOpen) => {
    if (isOpen || !focusWasInside) return
    await nextTick()
    const lost = !document.activeElement || document.activeElement === document.body
    if (lost) toValue(button)?.focus()
  })

  return { onKeydown, focusFirst, focusStop, close }
}
