// Mentions, in one place: what counts as naming someone in a message, and what `@` in the
// composer offers. `@Name` names a member when the name (any case) is followed by something that
// is not a letter or digit, or by the end; `@all` and `@here` name everyone in the room. The `@`
// must start a word, so an address such as bob@anna.example names nobody.
//
// Names may hold spaces ("Anna Maria"), so a message is not split into words first: each name
// that matters is looked for as a whole.

export const EVERYONE = Object.freeze(['all', 'here'])
// What the composer lists under the caret: a few, as a chat app's popup does.
export const MENTION_CANDIDATES_MAX = 8
// Past this many characters after `@` it is a sentence with an @ in it, not a name being typed.
export const MENTION_QUERY_MAX_CHARS = 64

const WORD_CHAR = /[\p{L}\p{N}\p{M}_]/u

function fold(text) {
  return text.toLocaleLowerCase()
}

function isWordChar(char) {
  return char !== undefined && WORD_CHAR.test(char)
}

/** Whether `text` has `@name` (any case) as a mention: at a word's start, whole. */
export function mentionsName(text, name) {
  if (!text || !name) return false
  const haystack = fold(text)
  const needle = `@${fold(name)}`
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    // Compare by code points: a letter outside the BMP is two code units.
    const before = [...haystack.slice(Math.max(0, at - 2), at)].at(-1)
    const after = [...haystack.slice(at + needle.length, at + needle.length + 2)][0]
    if (!isWordChar(before) && !isWordChar(after)) return true
  }
  return false
}

/**
 * Whether a message names us: one of our names (now, or before a rename) or everyone.
 * @param {string} text
 * @param {Iterable<string>} names
 */
export function mentionsMe(text, names) {
  if (!text || !text.includes('@')) return false
  for (const name of EVERYONE) if (mentionsName(text, name)) return true
  for (const name of names) if (mentionsName(text, name)) return true
  return false
}

/**
 * The `@…` being typed just before the caret, or null: `{ start, query }`, where `start` is the
 * index of the `@` and `query` what follows it up to the caret.
 */
export function mentionQuery(text, caret) {
  const upto = text.slice(0, caret)
  const at = upto.lastIndexOf('@')
  if (at < 0) return null
  if (isWordChar([...upto.slice(Math.max(0, at - 2), at)].at(-1))) return null
  const query = upto.slice(at + 1)
  if (/[\n@]/.test(query) || [...query].length > MENTION_QUERY_MAX_CHARS) return null
  return { start: at, query }
}

/**
 * Who `@query` may mean, best first: members whose name starts with it (any case), then those
 * with it inside, then `all` and `here`. Never ourselves.
 * @param {string} query
 * @param {string[]} members  the room's member names
 * @param {Iterable<string>} ownNames
 */
export function mentionCandidates(query, members, ownNames = []) {
  const wanted = fold(query)
  const own = new Set([...ownNames].map(fold))
  const starts = []
  const inside = []
  for (const name of members) {
    const folded = fold(name)
    if (own.has(folded)) continue
    if (folded.startsWith(wanted)) starts.push(name)
    else if (wanted && folded.includes(wanted)) inside.push(name)
  }
  const everyone = EVERYONE.filter((word) => word.startsWith(wanted))
  return [...starts, ...inside, ...everyone].slice(0, MENTION_CANDIDATES_MAX)
}

/** The text with the `@…` at `start` (up to the caret) replaced by `@name `, and where the caret goes. */
export function completeMention(text, { start, caret }, name) {
  const inserted = `@${name} `
  const rest = text.slice(caret).replace(/^ /, '')
  return { text: text.slice(0, start) + inserted + rest, caret: start + inserted.length }
}
