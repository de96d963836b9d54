// Times in the reader's own time zone and language. Formatters are costly to
// build, and a long history formats thousands of times, so they are cached.
const cache = new Map()

function formatter(language, options) {
  const key = `${language}|${JSON.stringify(options)}`
  if (!cache.has(key)) cache.set(key, new Intl.DateTimeFormat(regionalLocale(language), options))
  return cache.get(key)
}

// The UI speaks "en" or "ru", but clocks follow the system's region: en-GB reads 14:05, en-US 2:05 PM.
function regionalLocale(language) {
  const system = globalThis.navigator?.languages ?? []
  return system.find((tag) => tag.toLowerCase().startsWith(`${language}-`)) ?? language
}

export function clockTime(seconds, locale) {
  return formatter(locale, { hour: 'numeric', minute: '2-digit' }).format(seconds * 1000)
}

export function fullTime(seconds, locale) {
  return formatter(locale, { dateStyle: 'full', timeStyle: 'medium' }).format(seconds * 1000)
}

export function dayLabel(seconds, locale) {
  return formatter(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(seconds * 1000)
}

/** How many calendar days before `now` a moment fell: 0 today, 1 yesterday. */
export function daysAgo(seconds, now = Date.now() / 1000) {
  const midnight = (moment) => new Date(moment * 1000).setHours(0, 0, 0, 0)
  // Math.round absorbs the hour a daylight-saving change adds or removes.
  return Math.round((midnight(now) - midnight(seconds)) / 86_400_000)
}

/** A value that differs between two calendar days in the local time zone. */
export function localDay(seconds) {
  const date = new Date(seconds * 1000)
  return date.getFullYear() * 10000 + date.getMonth() * 100 + date.getDate()
}
