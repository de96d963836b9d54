import { describe, expect, it } from 'vitest'
import { createAppI18n, systemLanguage } from './i18n.js'
import { ErrorCode } from './protocol.js'
import en from './locales/en.js'
import ru from './locales/ru.js'

function keys(tree, prefix = '') {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : keys(value, `${prefix}${key}.`),
  )
}

describe('i18n', () => {
  it('has every English message in Russian too', () => {
    expect(keys(ru).sort()).toEqual(keys(en).sort())
  })

  it('says every error code of the server in plain words, in both languages', () => {
    for (const code of Object.values(ErrorCode)) {
      expect(en.error[code], code).toBeTruthy()
      expect(ru.error[code], code).toBeTruthy()
    }
  })

  it('follows the system language, English otherwise', () => {
    expect(systemLanguage(['ru-RU', 'en'])).toBe('ru')
    expect(systemLanguage(['de-DE', 'en-GB'])).toBe('en')
    expect(systemLanguage(['de-DE'])).toBe('en')
  })

  it('uses the three Russian plural forms', () => {
    const { t } = createAppI18n('ru').global
    expect(t('join.members', 0)).toBe('никого нет')
    expect(t('join.members', 1)).toBe('1 участник')
    expect(t('join.members', 3)).toBe('3 участника')
    expect(t('join.members', 5)).toBe('5 участников')
    expect(t('join.members', 21)).toBe('21 участник')
    expect(t('join.members', 12)).toBe('12 участников')
  })

  it('uses the English plural forms', () => {
    const { t } = createAppI18n('en').global
    expect(t('join.members', 1)).toBe('1 member')
    expect(t('join.members', 2)).toBe('2 members')
  })

  it('puts every counted message in its plural form, in both languages', () => {
    const ru = createAppI18n('ru').global.t
    const en = createAppI18n('en').global.t
    expect(en('sidebar.unread', { n: 1 }, 1)).toBe('1 unread message')
    expect(en('sidebar.unread', { n: 2 }, 2)).toBe('2 unread messages')
    expect(ru('sidebar.unread', { n: 1 }, 1)).toBe('1 непрочитанное сообщение')
    expect(ru('sidebar.unread', { n: 3 }, 3)).toBe('3 непрочитанных сообщения')
    expect(ru('sidebar.unread', { n: 11 }, 11)).toBe('11 непрочитанных сообщений')
    const at = { address: 'h:1' }
    expect(en('failure.timeout', { ...at, seconds: 1 }, 1)).toBe(
      'h:1 did not answer within 1 second.',
    )
    expect(ru('failure.timeout', { ...at, seconds: 1 }, 1)).toBe('h:1 не ответил за 1 секунду.')
    expect(ru('failure.timeout', { ...at, seconds: 2 }, 2)).toBe('h:1 не ответил за 2 секунды.')
    expect(ru('failure.timeout', { ...at, seconds: 10 }, 10)).toBe('h:1 не ответил за 10 секунд.')
    expect(en('composer.count', { used: 3600, max: 4001 }, 4001)).toBe('3600 of 4001 characters')
    expect(ru('composer.count', { used: 3600, max: 4001 }, 4001)).toBe('3600 из 4001 символа')
    expect(ru('composer.count', { used: 3600, max: 4000 }, 4000)).toBe('3600 из 4000 символов')
  })
})
