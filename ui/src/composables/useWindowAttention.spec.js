import { describe, expect, it } from 'vitest'
import { effectScope } from 'vue'
import { useWindowAttention } from './useWindowAttention.js'

/** A window and its document as far as focus goes: the browser's own, at the boundary. */
function fakeWindow() {
  const target = new EventTarget()
  const doc = new EventTarget()
  doc.hidden = false
  doc.focused = true
  doc.hasFocus = () => doc.focused
  return { target, doc }
}

describe('useWindowAttention', () => {
  it('is true only while the window has the focus and the page is not hidden', () => {
    const { target, doc } = fakeWindow()
    const scope = effectScope()
    const attending = scope.run(() => useWindowAttention({ target, doc }))
    expect(attending.value).toBe(true)
    doc.focused = false
    target.dispatchEvent(new Event('blur'))
    expect(attending.value).toBe(false) // another window in front
    doc.focused = true
    target.dispatchEvent(new Event('focus'))
    doc.hidden = true
    doc.dispatchEvent(new Event('visibilitychange'))
    expect(attending.value).toBe(false) // a background tab
    scope.stop()
    doc.hidden = false
    doc.dispatchEvent(new Event('visibilitychange'))
    expect(attending.value).toBe(false) // stopped listening with its scope
  })
})
