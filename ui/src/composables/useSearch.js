// Searching one host's messages over HTTP (GET /api/search), a page at a time. Tokens of the
// private and direct rooms we are in go in the room token header (never the URL), comma-separated,
// so their messages are found too; the server searches every open room anyway.
import { ref, shallowRef } from 'vue'
import { ROOM_TOKEN_HEADER, SEARCH_PAGE, searchUrl } from '../protocol.js'

export function useSearch({ fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  const results = shallowRef([])
  const state = ref('idle') // idle | loading | done | failed
  const error = shallowRef(null) // { code, detail } of a refused search, or null
  const nextOffset = ref(null)
  let current = null // { host, query, tokens }
  let generation = 0 // a newer search makes the answers of older ones stale

  async function fetchPage(offset) {
    const { host, query, tokens } = current
    const headers = tokens.length ? { [ROOM_TOKEN_HEADER]: tokens.join(',') } : {}
    const response = await fetchImpl(searchUrl(host, { query, offset, limit: SEARCH_PAGE }), {
      headers,
    })
    const body = await response.json().catch(() => null)
    if (!response.ok) {
      const refusal = body?.detail
      throw Object.assign(new Error(`HTTP ${response.status}`), {
        refusal: refusal && typeof refusal === 'object' ? refusal : null,
      })
    }
    return body
  }

  async function load(offset, mine) {
    state.value = 'loading'
    error.value = null
    try {
      const page = await fetchPage(offset)
      if (mine !== generation) return
      const found = Array.isArray(page?.results) ? page.results : []
      results.value = offset ? [...results.value, ...found] : found
      nextOffset.value = Number.isInteger(page?.next_offset) ? page.next_offset : null
      state.value = 'done'
    } catch (failure) {
      if (mine !== generation) return
      console.error('lanchat: search failed', failure)
      error.value = failure.refusal ?? null
      state.value = 'failed'
    }
  }

  /** A new search on `host`; `tokens`: the room tokens we hold there. */
  function search(host, query, tokens = []) {
    generation += 1
    current = { host, query: query.trim(), tokens: tokens.filter(Boolean) }
    results.value = []
    nextOffset.value = null
    if (!current.query) {
      state.value = 'idle'
      return Promise.resolve()
    }
    return load(0, generation)
  }

  /** The next page of the same search, after the results shown. */
  function more() {
    if (!current || nextOffset.value == null || state.value === 'loading') return Promise.resolve()
    return load(nextOffset.value, generation)
  }

  function clear() {
    generation += 1
    current = null
    results.value = []
    nextOffset.value = null
    state.value = 'idle'
    error.value = null
  }

  return { results, state, error, nextOffset, search, more, clear }
}
