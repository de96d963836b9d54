// The `@` popup of the composer: which names it offers for what is typed before the caret, which
// one is chosen, and the keys that move and take the choice. The words themselves are mentions.js's.
import { computed, ref, toValue } from 'vue'
import { completeMention, mentionCandidates, mentionQuery } from '../mentions.js'

/**
 * @param {object} options
 * @param {import('vue').MaybeRefOrGetter<string[]>} options.members  the room's member names
 * @param {import('vue').MaybeRefOrGetter<string[]>} options.ownNames  never offered
 * @param {(text: string, caret: number) => void} options.replace  put the completed text in the field
 */
export function useMentionCompletion({ members, ownNames, replace }) {
  const typed = ref(null) // { start, query, caret } of the @… being typed, else null
  const chosen = ref(0)
  const dismissedAt = ref(-1) // Escape closes the popup for this @ until another is typed

  const candidates = computed(() => {
    const at = typed.value
    if (!at || at.start === dismissedAt.value) return []
    return mentionCandidates(at.query, toValue(members), toValue(ownNames))
  })
  const open = computed(() => candidates.value.length > 0)

  /** The field's text or caret moved: look again at what is before the caret. */
  function follow(text, caret) {
    const found = mentionQuery(text, caret)
    if (found?.start !== typed.value?.start || found?.query !== typed.value?.query) chosen.value = 0
    if (!found) dismissedAt.value = -1
    typed.value = found ? { ...found, caret, text } : null
  }

  function pick(index = chosen.value) {
    const at = typed.value
    const name = candidates.value[index]
    if (!at || !name) return
    const done = completeMention(at.text, at, name)
    typed.value = null
    replace(done.text, done.caret)
  }

  /** What is typed is already the chosen name, whole (any case). */
  function nameComplete() {
    const name = candidates.value[chosen.value]
    return name?.toLocaleLowerCase() === typed.value.query.toLocaleLowerCase()
  }

  /** A key in the field; true when the popup took it (the composer then does nothing else). */
  function keydown(event) {
    if (!open.value) return false
    const count = candidates.value.length
    if (event.key === 'ArrowDown') chosen.value = (chosen.value + 1) % count
    else if (event.key === 'ArrowUp') chosen.value = (chosen.value - 1 + count) % count
    else if (event.key === 'Enter' && nameComplete())
      return false // typed whole: Enter sends
    else if (event.key === 'Enter' || event.key === 'Tab') pick()
    else if (event.key === 'Escape') dismissedAt.value = typed.value.start
    else return false
    event.preventDefault()
    return true
  }

  return { candidates, chosen, open, follow, pick, keydown }
}
