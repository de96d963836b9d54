// "Bob is typing": who to show (each for a few seconds after their last notice)
// and our own notices, sent at most every few seconds and never at a message's cost.
import { getCurrentScope, onScopeDispose, ref, toValue } from 'vue'
import { typingFrame } from '../protocol.js'

export const TYPING_SEND_EVERY_MS = 3_000
export const TYPING_SHOW_MS = 5_000

/**
 * @param {object} options
 * @param {import('vue').MaybeRefOrGetter<string>} options.name  who we are: our own notices are not shown
 * @param {{ take: () => number }} options.pacer  the room's rate limit, shared with the outbox
 * @param {() => boolean} options.live  the connection is past its history replay
 * @param {(text: string) => boolean} options.transmit  send on the connection; false when there is none
 */
export function useTyping({ name, pacer, live, transmit }) {
  const typingNames = ref([])
  const until = new Map() // who -> when their notice runs out
  let timer = 0
  let lastSent = 0

  function show(next) {
    until.clear()
    const now = Date.now()
    for (const [who, end] of next) if (end > now) until.set(who, end)
    typingNames.value = [...until.keys()].sort()
    clearTimeout(timer)
    if (until.size) {
      const soonest = Math.min(...until.values())
      timer = setTimeout(() => show(new Map(until)), soonest - now)
    }
  }

  /** Someone's typing frame arrived. */
  function heard(sender) {
    if (sender === toValue(name)) return
    show(new Map(until).set(sender, Date.now() + TYPING_SHOW_MS))
  }

  /** Their message arrived, or they left: they are not typing any more. */
  function stopped(who) {
    if (!until.has(who)) return
    const next = new Map(until)
    next.delete(who)
    show(next)
  }

  function clear() {
    show(new Map())
  }

  /** We sent a message: others stop showing us as typing, so the next keystroke may say so again. */
  function sentMessage() {
    lastSent = 0
  }

  /** Called on every keystroke. */
  function typing() {
    const now = Date.now()
    if (!live() || now - lastSent < TYPING_SEND_EVERY_MS) return
    if (pacer.take() > 0) return // a typing notice is never worth delaying a message for
    if (transmit(JSON.stringify(typingFrame(toValue(name))))) lastSent = now
  }

  if (getCurrentScope()) onScopeDispose(() => clearTimeout(timer))

  return { typingNames, heard, stopped, clear, sentMessage, typing }
}
