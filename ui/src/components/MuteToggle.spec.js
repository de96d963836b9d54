import { describe, expect, it } from 'vitest'
import MuteToggle from './MuteToggle.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

describe('MuteToggle', () => {
  it('says what pressing it does and whether the room is muted, in both languages', async () => {
    const en = mountWithI18n(MuteToggle, { props: { room: 'general' } })
    const button = en.get('button')
    expect([button.attributes('aria-label'), button.attributes('aria-pressed')]).toEqual([
      'Mute general',
      'false',
    ])
    await button.trigger('click')
    expect(en.emitted('toggle')).toHaveLength(1)
    const ru = mountWithI18n(MuteToggle, { props: { room: 'общая', muted: true } }, 'ru')
    expect(ru.get('button').attributes('aria-label')).toBe('Включить уведомления: общая')
    expect(ru.get('button').attributes('aria-pressed')).toBe('true')
  })
})
