import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import LinkifiedText from './LinkifiedText.vue'

describe('LinkifiedText', () => {
  it('shows markup as the characters typed, never as HTML', () => {
    const wrapper = mount(LinkifiedText, { props: { text: '<img src=x onerror=alert(1)>' } })
    expect(wrapper.text()).toBe('<img src=x onerror=alert(1)>')
    expect(wrapper.find('img').exists()).toBe(false)
  })

  it('makes http links clickable, opening outside the app', () => {
    const wrapper = mount(LinkifiedText, { props: { text: 'docs: https://vuejs.org/guide' } })
    const link = wrapper.get('a')
    expect(link.attributes()).toMatchObject({
      href: 'https://vuejs.org/guide',
      target: '_blank',
      rel: 'noopener noreferrer',
    })
    expect(wrapper.text()).toBe('docs: https://vuejs.org/guide')
  })
})
