import { describe, expect, it } from 'vitest'
import JumpToNewest from './JumpToNewest.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

describe('JumpToNewest', () => {
  it('is an arrow named "Jump to latest" until messages come in below, then counts them', async () => {
    const wrapper = mountWithI18n(JumpToNewest, { props: { newBelow: 0 } })
    expect(wrapper.text()).toBe('↓')
    expect(wrapper.attributes('aria-label')).toBe(wrapper.attributes('title'))
    await wrapper.setProps({ newBelow: 2 })
    expect(wrapper.get('.new-below').text()).toBe('2 new messages')
    expect(wrapper.attributes('aria-label')).toBeUndefined()
    await wrapper.trigger('click')
    expect(wrapper.emitted('jump')).toHaveLength(1)
  })
})
