import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import {
  MAX_MARKDOWN_DEPTH,
  markdownFirstLine,
  markdownPlainText,
  markdownTree,
} from './markdown.js'
import MessageMarkdown from './components/MessageMarkdown.vue'

const html = (text) => mount(MessageMarkdown, { props: { text } }).html()
const link = (href, text) => ({
  tag: 'a',
  attrs: { href, target: '_blank', rel: 'noopener noreferrer' },
  children: [text],
})
const p = (...children) => ({ tag: 'p', attrs: {}, children })
const node = (tag, ...children) => ({ tag, attrs: {}, children })

function depth(nodes) {
  let deepest = 0
  const stack = nodes.map((n) => [n, 1])
  while (stack.length) {
    const [n, d] = stack.pop()
    if (typeof n === 'string') continue
    deepest = Math.max(deepest, d)
    for (const child of n.children) stack.push([child, d + 1])
  }
  return deepest
}

describe('markdownTree', () => {
  it('leaves plain text as one paragraph of the same text', () => {
    expect(markdownTree('hello there, 2 * 3 = 6 <b>')).toEqual([p('hello there, 2 * 3 = 6 <b>')])
  })

  it('keeps line breaks inside a paragraph and splits paragraphs at a blank line', () => {
    expect(markdownTree('one\ntwo\n\nthree')).toEqual([p('one\ntwo'), p('three')])
  })

  it('renders bold, italic and inline code', () => {
    expect(markdownTree('**b** *i* _j_ `a <b>`')).toEqual([
      p(
        node('strong', 'b'),
        ' ',
        node('em', 'i'),
        ' ',
        node('em', 'j'),
        ' ',
        node('code', 'a <b>'),
      ),
    ])
  })

  it('renders a fenced code block as text, markup included', () => {
    expect(markdownTree('```js\n<script>alert(1)</script>\n**x**\n```')).toEqual([
      node('pre', node('code', '<script>alert(1)</script>\n**x**')),
    ])
  })

  it('renders quotes and both kinds of list, keeping a list start number', () => {
    expect(markdownTree('> said\n\n- a\n- b\n\n3. c\n4. d')).toEqual([
      node('blockquote', p('said')),
      node('ul', node('li', 'a'), node('li', 'b')),
      { tag: 'ol', attrs: { start: '3' }, children: [node('li', 'c'), node('li', 'd')] },
    ])
  })

  it('renders http, https and mailto links that open outside the page', () => {
    expect(markdownTree('[a](https://e.com/x) [b](http://e.org) [c](mailto:me@e.com)')).toEqual([
      p(
        link('https://e.com/x', 'a'),
        ' ',
        link('http://e.org/', 'b'),
        ' ',
        link('mailto:me@e.com', 'c'),
      ),
    ])
  })

  it('still links bare addresses as before and leaves the sentence punctuation out', () => {
    expect(markdownTree('see https://x.org.')).toEqual([
      p('see ', link('https://x.org/', 'https://x.org'), '.'),
    ])
  })

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>x</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
  ])('does not make a link of %s', (href) => {
    expect(markdownTree(`[x](${href})`)).toEqual([p(`[x](${href})`)])
    expect(html(`[x](${href}) <${href}>`)).not.toContain('<a')
  })

  it('keeps raw HTML as text', () => {
    const text =
      '<img src=x onerror=alert(1)> <script>alert(2)</script>\n\n<div onclick="x">hi</div>'
    expect(markdownTree(text)).toEqual([
      p('<img src=x onerror=alert(1)> <script>alert(2)</script>'),
      p('<div onclick="x">hi</div>'),
    ])
    const rendered = mount(MessageMarkdown, { props: { text } })
    expect(rendered.find('img').exists()).toBe(false)
    expect(rendered.find('script').exists()).toBe(false)
    expect(rendered.text()).toContain('<img src=x onerror=alert(1)>')
  })

  it('keeps image syntax as text', () => {
    expect(markdownTree('![cat](https://e.com/cat.png)')).toEqual([
      p('![cat](', link('https://e.com/cat.png', 'https://e.com/cat.png'), ')'),
    ])
    expect(html('![cat](https://e.com/cat.png)')).not.toContain('<img')
  })

  it('keeps headings, tables, entities and indentation as typed', () => {
    expect(markdownTree('# not a heading')).toEqual([p('# not a heading')])
    expect(markdownTree('| a | b |\n|---|---|\n| 1 | 2 |')).toEqual([
      p('| a | b |\n|---|---|\n| 1 | 2 |'),
    ])
    expect(markdownTree('&amp; &lt;')).toEqual([p('&amp; &lt;')])
    expect(markdownTree('    four spaces')).toEqual([p('four spaces')])
  })

  it('renders 10,000 levels of nested emphasis, quotes and brackets with bounded output', () => {
    for (const text of [
      '*'.repeat(10_000) + 'a' + '*'.repeat(10_000),
      '_*'.repeat(5_000) + 'a' + '*_'.repeat(5_000),
      '>'.repeat(10_000) + ' a',
      '- '.repeat(10_000) + 'a',
      '['.repeat(10_000) + 'a' + '](https://e.com)'.repeat(10_000),
    ]) {
      const tree = markdownTree(text)
      expect(depth(tree)).toBeLessThanOrEqual(MAX_MARKDOWN_DEPTH + 1)
      expect(JSON.stringify(tree).length).toBeLessThan(20 * text.length)
      expect(html(text).length).toBeLessThan(20 * text.length)
    }
  })

  it('parses a text once and hands back the same tree', () => {
    expect(markdownTree('**same**')).toBe(markdownTree('**same**'))
  })
})

describe('MessageMarkdown', () => {
  it('renders a one-paragraph message inline, as the plain text was', () => {
    const rendered = mount(MessageMarkdown, { props: { text: 'hi **you**' } })
    expect(rendered.element.tagName).toBe('SPAN')
    expect(rendered.classes()).toEqual(['message-markdown'])
    expect(rendered.element.innerHTML).toBe('hi <strong>you</strong>')
  })

  it('renders a message of several blocks as a block', () => {
    const rendered = mount(MessageMarkdown, { props: { text: 'one\n\n- two' } })
    expect(rendered.classes()).toContain('blocks')
    expect(rendered.element.innerHTML).toBe('<p>one</p><ul><li>two</li></ul>')
  })

  it('renders links with target and rel so they open outside the page', () => {
    const a = mount(MessageMarkdown, { props: { text: '[docs](https://vuejs.org/guide)' } }).find(
      'a',
    )
    expect(a.attributes()).toEqual({
      href: 'https://vuejs.org/guide',
      target: '_blank',
      rel: 'noopener noreferrer',
    })
  })
})

describe('markdownPlainText', () => {
  it('takes the markup away and keeps the words', () => {
    expect(
      markdownPlainText('try **lanchat** _now_, `npm ci` and [the guide](https://example.org)'),
    ).toBe('try lanchat now, npm ci and the guide')
  })

  it('ends each block in a line break: paragraphs, quotes, list items, code', () => {
    expect(markdownPlainText('> quoted **words**\n\n- one\n- *two*\n\n```\nlet a = 1\n```')).toBe(
      'quoted words\none\ntwo\nlet a = 1',
    )
  })

  it('keeps an ordered list’s numbers, from where it starts', () => {
    expect(markdownPlainText('3. three\n4. four')).toBe('3. three\n4. four')
  })

  it('leaves text without markup as it is, escapes and all that is not markup', () => {
    expect(markdownPlainText('2 * 3 = 6 <b> \\*not bold\\* ![x](y)')).toBe(
      '2 * 3 = 6 <b> *not bold* ![x](y)',
    )
    expect(markdownPlainText('')).toBe('')
  })

  it('gives a one-line preview: the first line of the plain text', () => {
    expect(markdownFirstLine('**lanchat** is\nhere')).toBe('lanchat is')
    expect(markdownFirstLine('```\ncode first\n```\nthen words')).toBe('code first')
  })
})
