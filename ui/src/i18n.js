// Russian and English, chosen from the system language unless the person picked one.
import { createI18n } from 'vue-i18n'
import en from './locales/en.js'
import ru from './locales/ru.js'

export const LANGUAGES = Object.freeze([
  { code: 'en', label: 'English' },
  { code: 'ru', label: 'Русский' },
])

export function systemLanguage(languages = globalThis.navigator?.languages ?? []) {
  const first = languages.find((tag) => /^(en|ru)\b/i.test(tag)) ?? 'en'
  return first.slice(0, 2).toLowerCase()
}

// vue-i18n picks the plural form from a named {n} or {count} when there is one, so a
// message whose plural follows another number names its values otherwise ({used} of {max}).
// Russian picks among three forms (1 участник, 2 участника, 5 участников); the
// messages put "nobody" first, so choice 0 is its own form.
function russianPlural(choice, choicesLength) {
  if (choice === 0 && choicesLength === 4) return 0
  const offset = choicesLength === 4 ? 1 : 0
  const tens = choice % 100
  const ones = choice % 10
  if (ones === 1 && tens !== 11) return offset
  if (ones >= 2 && ones <= 4 && (tens < 10 || tens >= 20)) return offset + 1
  return offset + 2
}

export function createAppI18n(locale = systemLanguage()) {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, ru },
    pluralRules: { ru: russianPlural },
  })
}

/**
 * A server error as a sentence in the current language. A code this UI does not know yet (a
 * newer server) shows the server's own sentence, `detail`, which is in English.
 * `retryAfter` (seconds) fills {n} where the sentence says how long to wait.
 */
export function errorText(t, te, code, { detail = '', retryAfter } = {}) {
  if (te(`error.${code}`)) {
    const n = Math.max(1, Math.ceil(retryAfter ?? 1))
    return t(`error.${code}`, { n }, n)
  }
  return detail ? t('error.unknownWithDetail', { code, detail }) : t('error.unknown', { code })
}
