// A panel that sits over the page (the narrow screen's room drawer, the members
// panel) closes the way people expect one to: on Escape, and on a press outside it.
// The listeners exist only while the panel is open, and go with the scope.
import { onScopeDispose, toValue, watch } from 'vue'

/**
 * @param {import('vue').Ref<boolean>} open
 * @param {Array<import('vue').MaybeRefOrGetter<Element|null>>} inside the panel and its toggle
 */
export function useDismissable(open, inside) {
  function onKeydown(event) {
    if (event.key === 'Escape') open.value = false
  }
  function onPointerdown(event) {
    const hit = inside.some((element) => toValue(element)?.contains(event.target))
    if (!hit) open.value = false
  }
  function listen(on) {
    const method = on ? 'addEventListener' : 'removeEventListener'
    document[method]('keydown', onKeydown)
    document[method]('pointerdown', onPointerdown)
  }
  watch(open, (isOpen) => listen(isOpen), { immediate: true })
  onScopeDispose(() => listen(false))
}
