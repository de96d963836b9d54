// A search result's snippet as pieces to draw: plain text, and the matched words marked. The
// server sends text and [start, end) ranges (JavaScript string indices), never HTML, so the
// result is drawn from elements (a <mark> per match), never from markup. Markdown in the text is
// shown as plain text (markdown.js), the marks kept on the words they found.
import { markdownPlainText } from './markdown.js'

// Where a mark starts and ends, carried through the Markdown as two private-use characters
// (text, not markup, to markdown-it); any already in the message are replaced first.
const MARK_START = '\uE000'
const MARK_END = '\uE001'
const MARK_SIGNS = /[\uE000\uE001]/g

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

/** snippetParts of the snippet as plain text: Markdown's markup taken away, the marks kept. */
export function plainSnippetParts(text, marks) {
  const source = (typeof text === 'string' ? text : '').replace(MARK_SIGNS, '\uFFFD')
  const signed = snippetParts(source, marks)
    .map((part) => (part.mark ? MARK_START + part.text + MARK_END : part.text))
    .join('')
  const parts = []
  let mark = false
  let run = ''
  const close = () => {
    if (run) parts.push({ text: run, mark })
    run = ''
  }
  for (const char of markdownPlainText(signed)) {
    if (char === MARK_START || char === MARK_END) {
      close()
      mark = char === MARK_START
    } else run += char
  }
  close()
  return parts
}
