// A search result's snippet as pieces to draw: plain text, and the matched words marked. The
// server sends text and [start, end) ranges (JavaScript string indices), never HTML, so the
// result is drawn from elements (a <mark> per match), never from markup.

/** [{ text, mark }] covering `text` in order; ranges out of bounds, empty or overlapping are tamed. */
export function snippetParts(text, marks) {
  const source = typeof text === 'string' ? text : ''
  const ranges = (Array.isArray(marks) ? marks : [])
    .filter((range) => Array.isArray(range) && range.every(Number.isInteger))
    .map(([start, end]) => [Math.max(0, start), Math.min(source.length, end)])
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0])
  const parts = []
  let at = 0
  for (const [start, end] of ranges) {
    if (end <= at) continue // inside the previous mark
    const from = Math.max(start, at)
    if (from > at) parts.push({ text: source.slice(at, from), mark: false })
    const last = parts.at(-1)
    if (last?.mark && from === at)
      last.text += source.slice(from, end) // overlapping: one mark
    else parts.push({ text: source.slice(from, end), mark: true })
    at = end
  }
  if (at < source.length) parts.push({ text: source.slice(at), mark: false })
  return parts
}
