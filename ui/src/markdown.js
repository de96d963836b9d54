// The Markdown subset in messages: bold, italic, inline code, fenced code blocks, quotes,
// lists and links. markdown-it parses; we turn its token stream into a small tree of plain
// nodes that MessageMarkdown.vue renders as Vue vnodes. Nothing is ever handed to the page
// as HTML (no v-html), so the only elements a message can produce are the ones in
// ALLOWED_TAGS, with the only attributes being a checked href and a list's start number.
//
// markdown-it is a third of the UI's JavaScript and the Join screen needs none of it: it loads
// (a chunk of its own) when a message is first shown. Until then, a few milliseconds, a message
// shows as its plain text; `markdownReady` turns true once the parser is there, and whatever
// rendered a message then renders it again.
import { shallowRef } from 'vue'
import { linkify } from './linkify.js'

// Deeper nesting (quotes in quotes, emphasis in emphasis) renders as its content alone:
// the page stays bounded whatever a message holds.
export const MAX_MARKDOWN_DEPTH = 20
// Parsed messages kept, keyed by text; a 5,000-message room parses each text once.
export const MARKDOWN_CACHE_SIZE = 10_000

const ALLOWED_TAGS = new Set([
  'p',
  'strong',
  'em',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
])
const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:'])

// 'zero' has only paragraphs and plain text; we switch on exactly the subset. Left off on
// purpose: raw HTML (html: false, and no html rules), images, tables, headings (a line
// starting with "#" is common in chat and would shout), indented code (indentation that
// someone typed stays text), entities ("&amp;" stays as typed), autolinks in <...>.
function makeParser(MarkdownIt) {
  const parser = new MarkdownIt('zero', {
    html: false,
    linkify: false,
    maxNesting: MAX_MARKDOWN_DEPTH,
  })
  parser.enable([
    'blockquote',
    'fence',
    'list',
    'backticks',
    'emphasis',
    'link',
    'escape',
    'newline',
  ])
  // Image syntax stays text: "![" is consumed as text before the link rule can see the "[".
  parser.inline.ruler.before('link', 'image_as_text', (state, silent) => {
    if (state.src.charCodeAt(state.pos) !== 0x21 || state.src.charCodeAt(state.pos + 1) !== 0x5b)
      return false
    if (!silent) state.pending += '!['
    state.pos += 2
    return true
  })
  const validateLink = parser.validateLink.bind(parser)
  parser.validateLink = (url) => validateLink(url) && safeHref(url) !== null
  return parser
}

// The parser once loaded; reading it in a computed or a render makes that follow the loading.
const parser = shallowRef(null)
let loading = null

/** Load the parser (once); resolves when messages render as Markdown. */
export function loadMarkdown() {
  loading ??= import('markdown-it').then(({ default: MarkdownIt }) => {
    parser.value = makeParser(MarkdownIt)
  })
  return loading
}

/** Whether messages render as Markdown yet. */
export const markdownReady = () => parser.value !== null

/** Our own check after markdown-it's: only http, https and mailto, as a parsed URL. */
export function safeHref(url) {
  try {
    const parsed = new URL(url)
    return LINK_PROTOCOLS.has(parsed.protocol) ? parsed.href : null
  } catch {
    return null
  }
}

const cache = new Map()

/** The message as nodes: a string (text) or { tag, attrs, children }. Memoized by text. */
export function markdownTree(text) {
  let tree = cache.get(text)
  if (tree) return tree
  const md = parser.value
  if (!md) {
    loadMarkdown().catch((error) => console.error('lanchat: could not load Markdown', error))
    return [{ tag: 'p', attrs: {}, children: [text] }] // for now: the text as typed, not kept
  }
  tree = buildTree(md.parse(text, {}))
  if (cache.size >= MARKDOWN_CACHE_SIZE) cache.delete(cache.keys().next().value)
  cache.set(text, tree)
  return tree
}

function buildTree(tokens) {
  const root = { tag: null, attrs: {}, children: [] }
  // Iterative, so the depth of the input never grows the JavaScript stack.
  const stack = [root]
  // Per open token: true when it was dropped (too deep, or not allowed) and its content joins the parent.
  const droppedAt = []
  const visit = (token) => {
    const parent = stack[stack.length - 1]
    if (token.nesting === 1) {
      const node = openNode(token)
      if (!node || stack.length > MAX_MARKDOWN_DEPTH) {
        droppedAt.push(true)
        return
      }
      droppedAt.push(false)
      parent.children.push(node)
      stack.push(node)
    } else if (token.nesting === -1) {
      if (!droppedAt.pop()) stack.pop()
    } else if (token.type === 'inline') {
      token.children.forEach(visit)
    } else if (token.type === 'text') {
      appendText(parent, token.content, insideLink(stack))
    } else if (token.type === 'code_inline') {
      parent.children.push({ tag: 'code', attrs: {}, children: [token.content] })
    } else if (token.type === 'fence') {
      const code = { tag: 'code', attrs: {}, children: [token.content.replace(/\n$/, '')] }
      parent.children.push({ tag: 'pre', attrs: {}, children: [code] })
    } else if (token.type === 'softbreak') {
      appendText(parent, '\n', true)
    } else if (token.type === 'hardbreak') {
      appendText(parent, '\n', true)
    } else if (token.content) {
      appendText(parent, token.content, insideLink(stack))
    }
  }
  tokens.forEach(visit)
  return root.children
}

function openNode(token) {
  // A tight list's paragraphs are hidden in markdown-it's own output too.
  if (token.hidden) return null
  if (!ALLOWED_TAGS.has(token.tag)) return null
  const attrs = {}
  if (token.tag === 'a') {
    const href = safeHref(token.attrGet('href') ?? '')
    if (!href) return null
    Object.assign(attrs, { href, target: '_blank', rel: 'noopener noreferrer' })
  } else if (token.tag === 'ol') {
    const start = Number(token.attrGet('start'))
    if (Number.isInteger(start) && start > 1) attrs.start = String(start)
  }
  return { tag: token.tag, attrs, children: [] }
}

function insideLink(stack) {
  return stack.some((node) => node.tag === 'a')
}

// Bare http(s) addresses in text become links as they always did (linkify.js), except
// inside a link, where a nested <a> would be invalid.
function appendText(parent, text, plain) {
  const pieces = plain ? [{ text }] : linkify(text)
  for (const piece of pieces) {
    if (piece.href) {
      parent.children.push({
        tag: 'a',
        attrs: { href: piece.href, target: '_blank', rel: 'noopener noreferrer' },
        children: [piece.text],
      })
      continue
    }
    const last = parent.children.length - 1
    if (typeof parent.children[last] === 'string') parent.children[last] += piece.text
    else parent.children.push(piece.text)
  }
}

// Blocks whose end is a line end in plain text.
const BLOCK_TAGS = new Set(['p', 'pre', 'blockquote', 'ul', 'ol', 'li'])

/**
 * The message as plain text, its markup taken away: what a one-line preview (a reply's quote,
 * a search result, the bar above the composer) shows instead of "**lanchat**". Blocks end in
 * a line break; an ordered list keeps its numbers, a link keeps its text.
 */
export function markdownPlainText(text) {
  const lines = []
  let line = ''
  const endLine = () => {
    if (line.trim()) lines.push(line.trim())
    line = ''
  }
  // Iterative, like buildTree: [node, list number or null] pairs, and 'end' marks for blocks.
  const stack = markdownTree(text)
    .map((node) => ({ node }))
    .reverse()
  while (stack.length) {
    const { node, end, number } = stack.pop()
    if (end) {
      endLine()
      continue
    }
    if (typeof node === 'string') {
      const pieces = node.split('\n')
      pieces.forEach((piece, index) => {
        if (index) endLine()
        line += piece
      })
      continue
    }
    const block = BLOCK_TAGS.has(node.tag)
    if (block) endLine()
    if (number != null) line += `${number}. `
    if (block) stack.push({ end: true })
    const first = Number(node.attrs.start ?? 1)
    for (let index = node.children.length - 1; index >= 0; index--) {
      const child = node.children[index]
      const listed = node.tag === 'ol' && child?.tag === 'li' ? first + index : null
      stack.push({ node: child, number: listed })
    }
  }
  endLine()
  return lines.join('\n')
}

/** The first line of the message as plain text: a one-line preview of it. */
export function markdownFirstLine(text) {
  return markdownPlainText(text).split('\n', 1)[0]
}
