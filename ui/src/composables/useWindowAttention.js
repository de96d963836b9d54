// Whether the person can be looking at this page: its window has the focus and the page is not
// hidden (a background tab, a minimised window). Read receipts are sent only then.
import { getCurrentScope, onScopeDispose, ref } from 'vue'

export function useWindowAttention({ target = globalThis.window, doc = globalThis.document } = {}) {
  const attending = ref(false)

  function update() {
    attending.value = !doc.hidden && doc.hasFocus()
  }

  update()
  target.addEventListener('focus', update)
  target.addEventListener('blur', update)
  doc.addEventListener('visibilitychange', update)
  if (getCurrentScope())
    onScopeDispose(() => {
      target.removeEventListener('focus', update)
      target.removeEventListener('blur', update)
      doc.removeEventListener('visibilitychange', update)
    })
  return attending
}
