import { describe, expect, it } from 'vitest'
import { plainSnippetParts, snippetParts } from './searchSnippet.js'

describe('snippetParts', () => {
  it('splits a snippet into plain and marked pieces in order', () => {
    expect(
      snippetParts('Где Книги? книгу', [
        [4, 9],
        [11, 16],
      ]),
    ).toEqual([
      { text: 'Где ', mark: false },
      { text: 'Книги', mark: true },
      { text: '? ', mark: false },
      { text: 'книгу', mark: true },
    ])
  })

  it('counts ranges in JavaScript string units, so an emoji before a match is no problem', () => {
    const parts = snippetParts('😀 book', [[3, 7]])
    expect(parts).toEqual([
      { text: '😀 ', mark: false },
      { text: 'book', mark: true },
    ])
  })

  it('tames ranges out of order, overlapping, empty, out of bounds or malformed', () => {
    expect(snippetParts('abcdef', [[4, 99], [0, 2], [1, 3], [5, 5], ['x', 1], null])).toEqual([
      { text: 'abc', mark: true },
      { text: 'd', mark: false },
      { text: 'ef', mark: true },
    ])
    expect(snippetParts('plain', undefined)).toEqual([{ text: 'plain', mark: false }])
    expect(snippetParts(undefined, [[0, 1]])).toEqual([])
  })

  it('keeps markup as text: nothing here is HTML', () => {
    expect(
      snippetParts('<b>x</b>', [[3, 4]])
        .map((part) => part.text)
        .join(''),
    ).toBe('<b>x</b>')
  })
})

describe('plainSnippetParts', () => {
  const find = (text, word) => [text.indexOf(word), text.indexOf(word) + word.length]

  it('shows the snippet without its Markdown, the found words still marked', () => {
    const text = 'try **lanchat** on _the_ LAN'
    expect(plainSnippetParts(text, [find(text, 'lanchat'), find(text, 'LAN')])).toEqual([
      { text: 'try ', mark: false },
      { text: 'lanchat', mark: true },
      { text: ' on the ', mark: false },
      { text: 'LAN', mark: true },
    ])
  })

  it('keeps a mark that covers markup, and one in a quote or a list', () => {
    const text = '> said `npm ci`\n- **one** two'
    expect(plainSnippetParts(text, [find(text, 'ci'), find(text, 'one')])).toEqual([
      { text: 'said npm ', mark: false },
      { text: 'ci', mark: true },
      { text: '\n', mark: false },
      { text: 'one', mark: true },
      { text: ' two', mark: false },
    ])
  })

  it('is not fooled by the private-use characters it marks with, typed into a message', () => {
    const text = 'a \uE000b\uE001 c'
    expect(plainSnippetParts(text, [find(text, 'c')])).toEqual([
      { text: 'a \uFFFDb\uFFFD ', mark: false },
      { text: 'c', mark: true },
    ])
  })
})
