import { afterEach, describe, expect, it } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { useDismissable } from './useDismissable.js'

function setup() {
  document.body.innerHTML =
    '<button id="toggle"></button><div id="panel"><a id="link"></a></div><p id="away"></p>'
  const open = ref(true)
  const scope = effectScope()
  scope.run(() =>
    useDismissable(open, [
      () => document.getElementById('panel'),
      () => document.getElementById('toggle'),
    ]),
  )
  return { open, scope }
}
const press = (id) =>
  document.getElementById(id).dispatchEvent(new Event('pointerdown', { bubbles: true }))

afterEach(() => (document.body.innerHTML = ''))

describe('useDismissable', () => {
  it('closes the panel on Escape', () => {
    const { open } = setup()
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    expect(open.value).toBe(false)
  })

  it('closes on a press outside, not on one inside the panel or on its toggle', () => {
    const { open } = setup()
    press('link')
    press('toggle')
    expect(open.value).toBe(true)
    press('away')
    expect(open.value).toBe(false)
  })

  it('stops listening once its scope ends', async () => {
    const { open, scope } = setup()
    scope.stop()
    await nextTick()
    press('away')
    expect(open.value).toBe(true)
  })
})
