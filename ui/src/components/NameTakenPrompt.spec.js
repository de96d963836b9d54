import { describe, expect, it } from 'vitest'
import NameTakenPrompt from './NameTakenPrompt.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

describe('NameTakenPrompt', () => {
  it('says whose name is taken and offers the new one, trimmed', async () => {
    const wrapper = mountWithI18n(NameTakenPrompt, { props: { takenName: 'Alice' } })
    expect(wrapper.text()).toContain('“Alice”')
    await wrapper.get('[data-testid="new-name"]').setValue('  Alice B ')
    await wrapper.get('form').trigger('submit')
    expect(wrapper.emitted('choose')).toEqual([['Alice B']])
  })

  it('refuses the same name in another case, and an invisible one, saying why', async () => {
    const wrapper = mountWithI18n(NameTakenPrompt, { props: { takenName: 'Alice' } })
    await wrapper.get('[data-testid="new-name"]').setValue('ALICE')
    await wrapper.get('form').trigger('submit')
    expect(wrapper.get('[role="alert"]').text()).toMatch(/someone else/i)
    await wrapper.get('[data-testid="new-name"]').setValue('Ali\u200bce')
    expect(wrapper.get('[role="alert"]').text()).toMatch(/invisible/i)
    expect(wrapper.emitted('choose')).toBeUndefined()
  })
})
