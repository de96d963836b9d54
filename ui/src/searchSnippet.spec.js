import { describe, expect, it } from 'vitest'
import { snippetParts } from './searchSnippet.js'

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
