import { describe, expect, it } from 'vitest'
import { createAppI18n, systemLanguage } from './i18n.js'
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
})
