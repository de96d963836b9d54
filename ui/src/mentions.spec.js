import { describe, expect, it } from 'vitest'
import {
  MENTION_CANDIDATES_MAX,
  MENTION_QUERY_MAX_CHARS,
  completeMention,
  mentionCandidates,
  mentionQuery,
  mentionsMe,
  mentionsName,
} from './mentions.js'

describe('mentionsName', () => {
  it('finds @Name in any case, followed by a non-letter or the end', () => {
    expect(mentionsName('hi @anna', 'Anna')).toBe(true)
    expect(mentionsName('@ANNA, look', 'Anna')).toBe(true)
    expect(mentionsName('(@Anna)', 'Anna')).toBe(true)
    expect(mentionsName('@Анна, привет', 'анна')).toBe(true)
    expect(mentionsName('@Anna Maria hi', 'Anna Maria')).toBe(true)
  })

  it('does not take a longer name, a name without @, or an address', () => {
    expect(mentionsName('@Annabel', 'Anna')).toBe(false)
    expect(mentionsName('@Anna2', 'Anna')).toBe(false)
    expect(mentionsName('@Анная', 'Анна')).toBe(false)
    expect(mentionsName('Anna', 'Anna')).toBe(false)
    expect(mentionsName('mail bob@anna.example', 'anna')).toBe(false)
    expect(mentionsName('', 'Anna')).toBe(false)
  })

  it('looks past an earlier near miss', () => {
    expect(mentionsName('@Annabel and @Anna', 'Anna')).toBe(true)
  })
})

describe('mentionsMe', () => {
  it('is true for @all and @here, and for a former name', () => {
    expect(mentionsMe('@all lunch', ['Bob'])).toBe(true)
    expect(mentionsMe('hey @HERE', ['Bob'])).toBe(true)
    expect(mentionsMe('@allen hi', ['Bob'])).toBe(false)
    expect(mentionsMe('ask @Bobby', ['Bob', 'Bobby'])).toBe(true)
    expect(mentionsMe('no at sign', ['Bob'])).toBe(false)
  })
})

describe('mentionQuery', () => {
  it('is the @word before the caret', () => {
    expect(mentionQuery('hi @an', 6)).toEqual({ start: 3, query: 'an' })
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' })
    expect(mentionQuery('@Anna Ma', 8)).toEqual({ start: 0, query: 'Anna Ma' })
  })

  it('is null inside an address, after a new line, with no @, or past its length', () => {
    expect(mentionQuery('bob@an', 6)).toBeNull()
    expect(mentionQuery('@an\nx', 5)).toBeNull()
    expect(mentionQuery('hello', 5)).toBeNull()
    const longest = `@${'a'.repeat(MENTION_QUERY_MAX_CHARS)}`
    expect(mentionQuery(longest, longest.length)).not.toBeNull()
    expect(mentionQuery(`${longest}a`, longest.length + 1)).toBeNull()
  })
})

describe('mentionCandidates', () => {
  const members = ['Anna', 'Bob', 'Hanna', 'anatoly', 'Me']

  it('lists names starting with the query first, then containing it, then everyone, never us', () => {
    expect(mentionCandidates('an', members, ['Me'])).toEqual(['Anna', 'anatoly', 'Hanna'])
    expect(mentionCandidates('', members, ['Me'])).toEqual([
      'Anna',
      'Bob',
      'Hanna',
      'anatoly',
      'all',
      'here',
    ])
    expect(mentionCandidates('he', members, ['Me'])).toEqual(['here'])
  })

  it('offers at most MENTION_CANDIDATES_MAX', () => {
    const many = Array.from({ length: 20 }, (_, index) => `user${index}`)
    expect(mentionCandidates('user', many)).toHaveLength(MENTION_CANDIDATES_MAX)
  })
})

describe('completeMention', () => {
  it('puts @name and one space in place of what was typed', () => {
    expect(completeMention('hi @an', { start: 3, caret: 6 }, 'Anna')).toEqual({
      text: 'hi @Anna ',
      caret: 9,
    })
    expect(completeMention('@an there', { start: 0, caret: 3 }, 'Anna')).toEqual({
      text: '@Anna there',
      caret: 6,
    })
  })
})
