// Sizes, speeds and times left the way each language writes them ("1.5 MB", "1,5 МБ"), from the
// browser's own Intl units, so no unit name needs translating.
const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte']

function scaled(bytes) {
  let value = Math.max(0, bytes)
  let index = 0
  while (value >= 1000 && index < UNITS.length - 1) {
    value /= 1000
    index += 1
  }
  return { value, unit: UNITS[index] }
}

export function formatBytes(bytes, locale) {
  const { value, unit } = scaled(bytes)
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit,
    unitDisplay: unit === 'byte' ? 'long' : 'short',
    maximumFractionDigits: value < 10 && unit !== 'byte' ? 1 : 0,
  }).format(value)
}

/** Seconds as the largest unit that fits: "45 sec", "3 min", "2 hr". */
export function formatDuration(seconds, locale) {
  const [value, unit] =
    seconds < 60
      ? [Math.max(1, Math.round(seconds)), 'second']
      : seconds < 3600
        ? [Math.round(seconds / 60), 'minute']
        : [Math.round(seconds / 360) / 10, 'hour']
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(value)
}

export function percent(done, total, locale) {
  const fraction = total > 0 ? done / total : 1
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(
    fraction,
  )
}
