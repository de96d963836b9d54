// Splitting message text into plain text and http(s) links. The pieces are rendered
// as text nodes and <a> elements, never as HTML, so a message can only ever look
// like what was typed.

const URL_LIKE = /\bhttps?:\/\/[^\s<>"'`]+/gi
// Punctuation that usually ends the sentence rather than the link.
const TRAILING = /[.,:;!?)\]}'"»]+$/

/** [{ text }, { text, href }, ...] covering the whole input in order. */
export function linkify(text) {
  const pieces = []
  let last = 0
  for (const match of text.matchAll(URL_LIKE)) {
    let candidate = match[0]
    const trailing = TRAILING.exec(candidate)
    // Keep a closing parenthesis that balances one inside the link (Wikipedia style).
    if (trailing) {
      let cut = trailing[0]
      if (cut.startsWith(')') && candidate.slice(0, -cut.length).includes('(')) cut = cut.slice(1)
      candidate = candidate.slice(0, candidate.length - cut.length)
    }
    const href = safeHref(candidate)
    if (!href) continue
    if (match.index > last) pieces.push({ text: text.slice(last, match.index) })
    pieces.push({ text: candidate, href })
    last = match.index + candidate.length
  }
  if (last < text.length) pieces.push({ text: text.slice(last) })
  return pieces
}

function safeHref(candidate) {
  try {
    const url = new URL(candidate)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}
