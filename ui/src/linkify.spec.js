import { describe, expect, it } from 'vitest'
import { linkify } from './linkify.js'

describe('linkify', () => {
  it('leaves text without links as one piece', () => {
    expect(linkify('hello <b>there</b>')).toEqual([{ text: 'hello <b>there</b>' }])
  })

  it('finds http and https links and leaves the sentence punctuation out', () => {
    expect(linkify('see https://example.com/a?b=1, and http://x.org.')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: ', and ' },
      { text: 'http://x.org', href: 'http://x.org/' },
      { text: '.' },
    ])
  })

  it('keeps a closing parenthesis that belongs to the link', () => {
    const [, link] = linkify('(https://en.wikipedia.org/wiki/Lisp_(language))')
    expect(link.text).toBe('https://en.wikipedia.org/wiki/Lisp_(language)')
  })

  it('never links other schemes', () => {
    expect(linkify('javascript:alert(1) data:text/html,x file:///etc/passwd')).toEqual([
      { text: 'javascript:alert(1) data:text/html,x file:///etc/passwd' },
    ])
  })
})
